from rest_framework.routers import SimpleRouter

from imports import api

router = SimpleRouter()
router.register("imports", api.ImportViewSet, basename="import")
router.register("import-kinds", api.ImportKindViewSet, basename="import-kind")

urlpatterns = router.urls
