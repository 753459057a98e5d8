from rest_framework.routers import SimpleRouter

from booking import api

router = SimpleRouter()
router.register("bookings", api.BookingViewSet, basename="booking")
router.register("walk-ins", api.WalkInViewSet, basename="walk-in")
router.register("notifications", api.NotificationViewSet, basename="notification")

urlpatterns = router.urls
