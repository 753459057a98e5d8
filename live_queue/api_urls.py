from rest_framework.routers import SimpleRouter

from live_queue import api

router = SimpleRouter()
router.register("queues", api.QueueViewSet, basename="queue")
router.register("check-ins", api.CheckInViewSet, basename="check-in")
router.register("queue-entries", api.EntryViewSet, basename="queue-entry")

urlpatterns = router.urls
