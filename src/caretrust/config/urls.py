from django.urls import include, path

urlpatterns = [
    path("people/", include("caretrust.people.urls")),
    path("people/", include("caretrust.record.urls")),
    path("referrals/", include("caretrust.referrals.urls")),
    path("assessments/", include("caretrust.assessments.urls")),
    path("entitlements/", include("caretrust.entitlements.urls")),
    path("continuing-healthcare/", include("caretrust.chc.urls")),
    path("reviews/", include("caretrust.reviews.urls")),
    path("discharge/", include("caretrust.discharge.urls")),
    path("care-plans/", include("caretrust.careplans.urls")),
    path("carers/", include("caretrust.carers.urls")),
    path("capacity/", include("caretrust.capacity.urls")),
    path("safeguarding/", include("caretrust.safeguarding.urls")),
    path("my-care/", include("caretrust.portal.urls")),
    path("funding/", include("caretrust.funding.urls")),
    path("budgets/", include("caretrust.budgets.urls")),
    path("outcomes/", include("caretrust.outcomes.urls")),
    path("evaluation/", include("caretrust.evaluation.urls")),
    path("feedback/", include("caretrust.feedback.urls")),
    path("jobs/", include("caretrust.jobs.urls")),
    # POST [base] (a transaction or batch Bundle) at /fhir as well as /fhir/ (ADR 109).
    path("fhir", include("caretrust.fhir.base_urls")),
    path("subscriptions/", include("caretrust.subscriptions.urls")),
    path("fhir/", include("caretrust.fhir.urls")),
    path("oruk/", include("caretrust.directory.urls")),
    path("privacy/", include("caretrust.access.urls")),
    path("workspace/", include("caretrust.workspace.urls")),
    path("notifications/", include("caretrust.notifications.urls")),
    path("messages/", include("caretrust.messaging.urls")),
    path("meetings/", include("caretrust.meetings.urls")),
    path("", include("caretrust.web.urls")),
]

# Bad parameters are a 400 with the NHS.UK error page naming the parameter (ADR 46).
handler400 = "caretrust.ui.params.bad_request"
