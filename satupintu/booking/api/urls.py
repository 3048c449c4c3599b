from django.urls import path

from satupintu.booking.api import views

urlpatterns = [
    path("services/<int:pk>/slots/", views.SlotListView.as_view(), name="slot-list"),
    path("bookings/", views.BookingCreateView.as_view(), name="booking-create"),
    path("bookings/<str:code>/", views.BookingDetailView.as_view(), name="booking-detail"),
    path("malls/<slug:slug>/closures/", views.ClosureCreateView.as_view(), name="closure-create"),
]
