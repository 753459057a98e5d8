"""The Second International Nurse Rostering Competition (INRC-II) as a CareSlot benchmark: its
files read (``reader``), a static instance turned into a roster problem (``importer``), the
official cost of any roster (``scorer``) and the competition's solution files (``writer``)."""
