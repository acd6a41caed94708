from django.urls import path

from caretrust.budgets import views

app_name = "budgets"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("plans/<uuid:uuid>/", views.plan_budget, name="plan"),
    path("plans/<uuid:uuid>/lines/<int:service_id>/", views.line_delivery, name="line_delivery"),
    path("plans/<uuid:uuid>/direct-payment/", views.direct_payment_new, name="direct_payment_new"),
    path("direct-payments/<int:pk>/", views.direct_payment, name="direct_payment"),
    path(
        "direct-payments/<int:pk>/change/",
        views.direct_payment_change,
        name="direct_payment_change",
    ),
    path("direct-payments/<int:pk>/end/", views.direct_payment_end, name="direct_payment_end"),
    path("direct-payments/<int:pk>/returns/", views.monitoring_return, name="monitoring_return"),
    path("returns/<int:pk>/recover/", views.recover, name="recover"),
    path(
        "people/<uuid:ref>/deferred-payment/",
        views.deferred_payment_new,
        name="deferred_payment_new",
    ),
    path("deferred-payments/<int:pk>/", views.deferred_payment, name="deferred_payment"),
]
