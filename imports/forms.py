"""Forms of the imports pages. They check shape only; imports.services decides the rules."""

from django import forms

from imports.formats import Kind
from imports.models import Severity

DETECT = ""
# static/js/careslot.js submits the filter form when one of these changes.
APPLY_ON_CHANGE = {"data-submit-on-change": ""}


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        allow_empty_file=True,  # the service names why an empty file cannot be loaded
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    kind = forms.ChoiceField(
        label="Kind of file",
        choices=[(DETECT, "Detect from the header"), *Kind.choices],
        required=False,
    )
    load_valid_rows = forms.BooleanField(
        label="Load the valid rows even if some rows have errors",
        required=False,
        widget=forms.CheckboxInput(attrs={"aria-describedby": "load-valid-help"}),
        help_text=(
            "Off (the default): a file with any error loads nothing, and you can still choose to load its valid rows "
            "after reading the report. On: rows with errors are left out, the others are loaded, and the report "
            "lists the rows left out."
        ),
    )


class ResolveForm(forms.Form):
    """One unknown chair or suite: create a resource of that name, or map the name to an
    existing resource of the right kind (``resources``: the choices offered)."""

    CREATE, MAP, CREATE_ALL = "create", "map", "create_all"

    name = forms.CharField(max_length=200, required=False)
    action = forms.ChoiceField(choices=[(CREATE, "Create"), (MAP, "Map"), (CREATE_ALL, "Create all")])
    resource = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)

    def __init__(self, *args, names: list[str], resources, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.names = names
        self.fields["resource"].choices = [("", "Choose…"), *((resource.pk, resource.name) for resource in resources)]

    def clean(self):
        cleaned = super().clean()
        action, name = cleaned.get("action"), cleaned.get("name", "")
        if action in (self.CREATE, self.MAP) and name not in self.names:
            self.add_error("name", "Not one of the names this import is waiting for.")
        if action == self.MAP and not cleaned.get("resource"):
            self.add_error("resource", "Choose the resource this name stands for.")
        return cleaned

    def resolutions(self) -> list[dict]:
        """The resolutions as ``imports.services.import_resolve_resources`` takes them."""
        action = self.cleaned_data["action"]
        if action == self.CREATE_ALL:
            return [{"name": name, "create": True} for name in self.names]
        if action == self.CREATE:
            return [{"name": self.cleaned_data["name"], "create": True}]
        return [{"name": self.cleaned_data["name"], "resource_id": self.cleaned_data["resource"]}]


class ProblemFilterForm(forms.Form):
    """The report's filters; a value the import does not have is simply not offered."""

    severity = forms.ChoiceField(
        required=False, choices=[("", "All severities"), *Severity.choices], widget=forms.Select(attrs=APPLY_ON_CHANGE)
    )
    column = forms.ChoiceField(required=False, widget=forms.Select(attrs=APPLY_ON_CHANGE))
    code = forms.ChoiceField(required=False, widget=forms.Select(attrs=APPLY_ON_CHANGE))

    def __init__(self, *args, columns: list[str], codes: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["column"].choices = [("", "All columns"), *((name, name) for name in columns if name)]
        self.fields["code"].choices = [("", "All codes"), *((code, code) for code in codes)]

    def filters(self) -> dict:
        """The valid filters given (a value not offered is dropped, the others still apply)."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
