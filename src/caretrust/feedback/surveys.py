"""The two surveys as data: questions, answers, and the indicator each question feeds.

**Experience survey** (people who use services and their carers): one question per theme of the
survey-based ASCOF measures listed in pathways.md (quality of life, control over daily life,
feeling safe, ease of finding information, social contact, satisfaction). The wording is our own
paraphrase: the Adult Social Care Survey and the Survey of Adult Carers questionnaires are
published by NHS England for councils' statutory returns and ASCOT items carry their own licence
(University of Kent), and we have not confirmed terms that would let us reuse the exact wording
here, so these results are *like* the ASCOF measures and must not be reported as them (ADR 80).

**Pulse survey** (staff of every partner): four statements on a five-point agreement scale about
working across organisations, after the NHS Staff Survey's style (again our own wording).

An indicator is the share of respondents who answered the question giving one of its
``positive`` answers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answers: tuple[tuple[str, str], ...]  # (value, label), best first
    positive: tuple[str, ...]  # answers counted in the indicator's numerator
    indicator: str  # indicator title
    like: str = ""  # the published measure it resembles (not the same measure)


@dataclass(frozen=True)
class Survey:
    key: str
    title: str
    audience: str  # "people and carers" or "staff"
    intro: str
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question:
        return next(q for q in self.questions if q.key == key)


AGREE = (
    ("strongly_agree", "Strongly agree"),
    ("agree", "Agree"),
    ("neither", "Neither agree nor disagree"),
    ("disagree", "Disagree"),
    ("strongly_disagree", "Strongly disagree"),
)

EXPERIENCE = Survey(
    key="experience",
    title="Your say about your care and support",
    audience="people and carers",
    intro="Six short questions about the care and support you (or the person you care for) "
    "receive. Your answers are counted with everyone else's; no one sees them on their own.",
    questions=(
        Question(
            "quality_of_life",
            "How would you describe your quality of life at the moment?",
            (
                ("very_good", "Very good"),
                ("good", "Good"),
                ("all_right", "All right"),
                ("bad", "Bad"),
                ("very_bad", "Very bad"),
            ),
            ("very_good", "good"),
            "Quality of life good or very good",
            "ASCOF 1A (social care-related quality of life)",
        ),
        Question(
            "control",
            "How much control do you feel you have over your daily life?",
            (
                ("as_much_as_wanted", "As much as I want"),
                ("enough", "Enough"),
                ("some", "Some, but not enough"),
                ("none", "None"),
            ),
            ("as_much_as_wanted", "enough"),
            "Enough control over daily life",
            "ASCOF 1B (control over daily life)",
        ),
        Question(
            "safe",
            "Does the support you get help you to feel safe?",
            (("yes", "Yes"), ("partly", "Partly"), ("no", "No")),
            ("yes",),
            "Support helps them feel safe",
            "ASCOF 4B (services help people feel safe)",
        ),
        Question(
            "information",
            "When you have looked for information or advice about support, how easy was it to find?",
            (
                ("very_easy", "Very easy"),
                ("fairly_easy", "Fairly easy"),
                ("fairly_hard", "Fairly hard"),
                ("very_hard", "Very hard"),
                ("not_looked", "I have not looked"),
            ),
            ("very_easy", "fairly_easy"),
            "Information easy to find",
            "ASCOF 3D(1) before 2023 (ease of finding information)",
        ),
        Question(
            "social_contact",
            "Do you see or talk to people you like as much as you want?",
            (
                ("as_much_as_wanted", "As much as I want"),
                ("some", "Some, but not enough"),
                ("little", "Little, and I feel isolated"),
            ),
            ("as_much_as_wanted",),
            "As much social contact as they want",
            "ASCOF 1I(1) before 2023 (social contact)",
        ),
        Question(
            "satisfaction",
            "Overall, how satisfied are you with the care and support you get?",
            (
                ("very_satisfied", "Very satisfied"),
                ("satisfied", "Fairly satisfied"),
                ("neither", "Neither satisfied nor dissatisfied"),
                ("dissatisfied", "Dissatisfied"),
            ),
            ("very_satisfied", "satisfied"),
            "Satisfied with care and support",
            "ASCOF 3A before 2023 (satisfaction)",
        ),
    ),
)

PULSE = Survey(
    key="pulse",
    title="Integration pulse survey",
    audience="staff",
    intro="Four statements about working across the partnership. It takes a minute; answers are "
    "counted together and no one sees yours on its own. You can answer once a month.",
    questions=(
        Question(
            "know_who",
            "I know whom to contact in the other partner organisations to sort out a person's care.",
            AGREE,
            ("strongly_agree", "agree"),
            "Staff know whom to contact across partners",
        ),
        Question(
            "information_arrives",
            "Information about the people I support reaches me when I need it.",
            AGREE,
            ("strongly_agree", "agree"),
            "Staff get information when they need it",
        ),
        Question(
            "care_improved",
            "Working with colleagues from the other partners has improved the care people get.",
            AGREE,
            ("strongly_agree", "agree"),
            "Staff say joint working improved care",
        ),
        Question(
            "recommend",
            "If a friend or relative needed care, I would be happy with the care our joined-up "
            "service gives.",
            AGREE,
            ("strongly_agree", "agree"),
            "Staff would be happy with the care for a friend or relative",
            "NHS Staff Survey q25d (standard of care for a friend or relative)",
        ),
    ),
)

SURVEYS = {s.key: s for s in (EXPERIENCE, PULSE)}


def indicator_key(survey: Survey, question: Question) -> str:
    return f"{survey.key}.{question.key}"
