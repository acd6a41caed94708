"""Referral forms. Messages follow the NHS.UK error message guidance: say what to do."""

from __future__ import annotations

from django import forms

from caretrust.organisations.models import Locality, Organisation, Team, User
from caretrust.people.demographics import clean_plausible_birth_date
from caretrust.people.intake import PersonDetails
from caretrust.people.models import Person
from caretrust.referrals.models import DischargePathway, Referral

YES_NO_UNKNOWN = [("yes", "Yes"), ("no", "No"), ("unknown", "Not known")]


def _required(message: str) -> dict:
    return {"required": message}


class PersonFields(forms.Form):
    nhs_number = forms.CharField(label="NHS number (if known)", required=False, max_length=12)
    given_name = forms.CharField(
        label="First name", max_length=100, error_messages=_required("Enter their first name")
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages=_required("Enter their last name")
    )
    birth_date = forms.DateField(
        label="Date of birth",
        error_messages={
            "required": "Enter their date of birth",
            "invalid": "Date of birth must be a real date",
        },
    )
    sex = forms.ChoiceField(label="Sex", choices=Person.Sex.choices, initial=Person.Sex.UNKNOWN)
    address = forms.CharField(label="Address", required=False, max_length=300)
    postcode = forms.CharField(
        label="Postcode", max_length=10, error_messages=_required("Enter their postcode")
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=40)
    gp_practice = forms.ModelChoiceField(
        label="GP practice",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.GP_PRACTICE),
        required=False,
        empty_label="Not known",
    )
    locality = forms.ModelChoiceField(
        label="Area they live in (if their GP practice is not known)",
        queryset=Locality.objects.all(),
        required=False,
        empty_label="Choose an area",
    )

    # A date of birth in the future or more than 120 years ago is refused (issue #15).
    clean_birth_date = clean_plausible_birth_date

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("gp_practice") and not cleaned.get("locality"):
            self.add_error("locality", "Choose the area they live in, or their GP practice")
        return cleaned

    def person_details(self) -> PersonDetails:
        data = self.cleaned_data
        return PersonDetails(
            given_name=data["given_name"],
            family_name=data["family_name"],
            birth_date=data["birth_date"],
            sex=data["sex"],
            postcode=data["postcode"],
            address=data["address"],
            phone=data["phone"],
            nhs_number=data["nhs_number"],
            gp_practice=data["gp_practice"],
        )


class ProfessionalReferralForm(PersonFields):
    source = forms.ChoiceField(
        label="Who is referring",
        choices=[(s.value, s.label) for s in Referral.PROFESSIONAL_SOURCES],
        widget=forms.RadioSelect,
        error_messages=_required("Choose who is referring"),
    )
    reason = forms.CharField(
        label="What has happened and what help is needed",
        widget=forms.Textarea,
        error_messages=_required("Enter what has happened and what help is needed"),
    )
    what_matters = forms.CharField(
        label="What matters to the person (in their words, if you can)",
        widget=forms.Textarea,
        required=False,
    )
    lives_alone = forms.ChoiceField(
        label="Do they live alone?",
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
        error_messages=_required("Say whether they live alone"),
    )
    risks = forms.CharField(
        label="Risks we should know about", widget=forms.Textarea, required=False
    )
    requested_urgency = forms.ChoiceField(
        label="How urgent is this?",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Choose how urgent this is"),
    )
    referrer_contact = forms.CharField(
        label="Your phone number for the co-ordinator", max_length=200, required=False
    )
    consent = forms.BooleanField(label="The person agrees to this referral", required=False)
    best_interests = forms.BooleanField(
        label="The person cannot decide about this referral and it is in their best interests "
        "(a capacity assessment finding so must be recorded on their page)",
        required=False,
    )
    # A hospital discharge referral (pathways.md §2): the discharge-ready date and pathway.
    discharge_ready_date = forms.DateField(
        label="Discharge ready date (hospital discharge referrals)",
        required=False,
        error_messages={"invalid": "Discharge ready date must be a real date"},
    )
    discharge_pathway = forms.TypedChoiceField(
        label="Discharge pathway (hospital discharge referrals)",
        choices=DischargePathway.choices,
        coerce=int,
        required=False,
        empty_value=None,
    )
    # After the duplicate check: the ref of the person chosen, or "new".
    person_choice = forms.CharField(required=False, widget=forms.HiddenInput)

    def discharge_details(self) -> dict:
        data = self.cleaned_data
        if data.get("source") != Referral.Source.HOSPITAL_DISCHARGE:
            return {}
        return {
            "discharge": {
                "ready_date": data["discharge_ready_date"],
                "pathway": data["discharge_pathway"],
            }
        }

    def clean(self) -> dict:
        cleaned = super().clean()
        if cleaned.get("source") == Referral.Source.HOSPITAL_DISCHARGE:
            if (
                not cleaned.get("discharge_ready_date")
                and "discharge_ready_date" not in self.errors
            ):
                self.add_error(
                    "discharge_ready_date", "Enter the date the person is ready for discharge"
                )
            if cleaned.get("discharge_pathway") is None:
                self.add_error("discharge_pathway", "Choose the discharge pathway")
        if cleaned.get("consent") and cleaned.get("best_interests"):
            self.add_error(
                "best_interests",
                "Choose one: the person agrees, or they cannot decide and it is in their best "
                "interests",
            )
        elif not cleaned.get("consent") and not cleaned.get("best_interests"):
            self.add_error(
                "consent",
                "Confirm the person agrees to the referral, or that it is in their best interests",
            )
        return cleaned


class SelfReferralForm(PersonFields):
    source = forms.ChoiceField(
        label="Who needs help?",
        choices=[
            (Referral.Source.SELF.value, "I need help myself"),
            (Referral.Source.FAMILY.value, "Someone I care for or am related to"),
        ],
        widget=forms.RadioSelect,
        error_messages=_required("Say who needs help"),
    )
    referrer_name = forms.CharField(
        label="Your name", max_length=200, error_messages=_required("Enter your name")
    )
    referrer_relationship = forms.CharField(
        label="Your relationship to them (if you are asking for someone else)",
        max_length=100,
        required=False,
    )
    referrer_contact = forms.CharField(
        label="Your phone number or email",
        max_length=200,
        error_messages=_required("Enter a phone number or email so we can reply"),
    )
    reason = forms.CharField(
        label="What help is needed",
        widget=forms.Textarea,
        error_messages=_required("Tell us what help is needed"),
    )
    what_matters = forms.CharField(
        label="What matters most to them", widget=forms.Textarea, required=False
    )
    lives_alone = forms.ChoiceField(
        label="Do they live alone?",
        choices=YES_NO_UNKNOWN,
        widget=forms.RadioSelect,
        required=False,
    )
    consent = forms.BooleanField(
        label="They know I am asking for help for them (or I am asking for myself)",
        error_messages=_required("Confirm they know you are asking for help"),
    )


def lives_alone_value(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class TriageForm(forms.Form):
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        error_messages=_required("Choose how urgent this is"),
    )


class RouteForm(forms.Form):
    route_to = forms.ChoiceField(
        label="Route to", error_messages=_required("Choose a locality team or a practitioner")
    )

    def __init__(self, *args, locality=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        teams = Team.objects.filter(kind=Team.Kind.LOCALITY_MDT)
        if locality is not None:
            teams = teams.filter(locality=locality)
        practitioners = User.objects.filter(
            role=User.Role.PRACTITIONER, is_active=True, teams__in=teams
        ).distinct()
        self.fields["route_to"].choices = (
            [("", "Choose a team or practitioner")]
            + [(f"team:{t.pk}", t.name) for t in teams]
            + [(f"user:{u.pk}", f"{u.get_full_name()} ({u.role_label})") for u in practitioners]
        )

    def target(self) -> dict:
        kind, pk = self.cleaned_data["route_to"].split(":")
        if kind == "team":
            return {"team": Team.objects.get(pk=pk)}
        return {"practitioner": User.objects.get(pk=pk)}


class SignpostForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Voluntary organisation",
        queryset=Organisation.objects.filter(kind=Organisation.Kind.VOLUNTARY),
        required=False,
        empty_label="None",
    )
    information = forms.CharField(label="Information given", widget=forms.Textarea, required=False)

    def clean(self) -> dict:
        cleaned = super().clean()
        if not cleaned.get("organisation") and not (cleaned.get("information") or "").strip():
            self.add_error(
                "organisation", "Choose a voluntary organisation or describe the information given"
            )
        return cleaned


class CloseForm(forms.Form):
    status = forms.ChoiceField(
        label="Close as",
        choices=[("rejected", "Not for us (rejected)"), ("cancelled", "Withdrawn (cancelled)")],
        widget=forms.RadioSelect,
        error_messages=_required("Choose how to close the referral"),
    )
    reason = forms.CharField(
        label="Reason",
        widget=forms.Textarea,
        error_messages=_required("Give the reason for closing"),
    )


class ProgressForm(forms.Form):
    to_status = forms.ChoiceField(
        label="Update",
        choices=[
            ("in-progress", "Work has started"),
            ("completed", "Completed"),
            ("on-hold", "On hold"),
            ("failed", "Could not be completed"),
        ],
        widget=forms.RadioSelect,
        error_messages=_required("Choose an update"),
    )
    reason = forms.CharField(
        label="Reason (needed for on hold and could not be completed)",
        widget=forms.Textarea,
        required=False,
    )


def _worker_choices(workers) -> list[tuple[str, str]]:
    return [("", "Choose a worker")] + [
        (str(u.pk), f"{u.get_full_name()} ({u.role_label})") for u in workers
    ]


class AcceptForm(forms.Form):
    """Accept from the in-tray and allocate a named worker (the person accepting by default)."""

    allocate_to = forms.ChoiceField(
        label="Allocate to", error_messages=_required("Choose who will take this on")
    )

    def __init__(self, *args, workers=(), me=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.workers = {str(u.pk): u for u in workers}
        self.fields["allocate_to"].choices = _worker_choices(workers)
        if me is not None and str(me.pk) in self.workers and not self.is_bound:
            self.initial["allocate_to"] = str(me.pk)

    def worker(self):
        return self.workers[self.cleaned_data["allocate_to"]]


class AllocateForm(AcceptForm):
    pass


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="Why the team cannot take it",
        widget=forms.Textarea,
        error_messages=_required("Say why the team cannot take it"),
    )


class TransferCaseloadForm(forms.Form):
    from_worker = forms.ChoiceField(
        label="Move the caseload of", error_messages=_required("Choose whose caseload to move")
    )
    to_worker = forms.ChoiceField(label="To", error_messages=_required("Choose who takes it on"))

    def __init__(self, *args, members=(), practitioners=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.members = {str(u.pk): u for u in members}
        self.practitioners = {str(u.pk): u for u in practitioners}
        self.fields["from_worker"].choices = _worker_choices(members)
        self.fields["to_worker"].choices = _worker_choices(practitioners)

    def workers(self):
        return (
            self.members[self.cleaned_data["from_worker"]],
            self.practitioners[self.cleaned_data["to_worker"]],
        )


class DirectorySearchForm(forms.Form):
    """The co-ordinator's search of the local services directory (ADR 110)."""

    text = forms.CharField(label="Search for a local service", max_length=200, required=False)
    category = forms.ChoiceField(label="Category", required=False)

    def __init__(self, *args, categories=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category")] + [(c, c) for c in categories]


class SignpostServiceForm(forms.Form):
    service = forms.CharField(
        max_length=250, error_messages=_required("Choose a service from the directory")
    )

    def clean_service(self):
        from caretrust.directory.models import DirectoryService

        found = (
            DirectoryService.objects.select_related("organization__organisation")
            .filter(oruk_id=self.cleaned_data["service"])
            .first()
        )
        if found is None:
            raise forms.ValidationError("Choose a service from the directory")
        return found


class AcceptSignpostForm(forms.Form):
    pass


class DeclineSignpostForm(forms.Form):
    reason = forms.CharField(
        label="Why you cannot take it",
        widget=forms.Textarea,
        error_messages=_required("Say why you cannot take it"),
    )
