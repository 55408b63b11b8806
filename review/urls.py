from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("review/asset/<int:pk>/", views.asset_file, name="asset"),
]
