"""Rebuild ../efi_snomed.csv from the GM-SDE eFI code sets (run by hand when the source changes).

Usage: python efi_from_gm_sde.py GIT_DIR COMMIT > ../efi_snomed.csv
where GIT_DIR is a clone of github.com/UoM-Data-Science-Platforms/gm-sde. The 35 code sets are
`shared/clinical-code-sets/{conditions,patient}/efi-*/1/efi-*.snomed.txt` (tab-separated code and
term), GM-SDE's SNOMED CT equivalents of the original eFI CTV3 and Read v2 codes (Clegg et al. 2016).
Nothing is added or removed: each row keeps the code set it came from.
"""

from __future__ import annotations

import csv
import subprocess
import sys

# GM-SDE code set → caretrust deficit name (the 35 coded deficits of Clegg et al. 2016)
DEFICIT = {
    "efi-activity-limitation": "activity_limitation",
    "efi-anaemia": "anaemia",
    "efi-arthritis": "arthritis",
    "efi-atrial-fibrillation": "atrial_fibrillation",
    "efi-care-requirement": "care_requirement",
    "efi-stroke-tia": "cerebrovascular_disease",
    "efi-ckd": "chronic_kidney_disease",
    "efi-diabetes": "diabetes",
    "efi-dizziness": "dizziness",
    "efi-dyspnoea": "dyspnoea",
    "efi-falls": "falls",
    "efi-foot-problems": "foot_problems",
    "efi-fragility-fracture": "fragility_fracture",
    "efi-hearing-loss": "hearing_impairment",
    "efi-heart-failure": "heart_failure",
    "efi-heart-valve-disease": "heart_valve_disease",
    "efi-housebound": "housebound",
    "efi-hypertension": "hypertension",
    "efi-hypotension": "hypotension_syncope",
    "efi-chd": "ischaemic_heart_disease",
    "efi-cognitive-problems": "memory_cognitive_problems",
    "efi-mobility-problems": "mobility_transfer_problems",
    "efi-osteoporosis": "osteoporosis",
    "efi-parkinsons": "parkinsonism_tremor",
    "efi-peptic-ulcer": "peptic_ulcer",
    "efi-pvd": "peripheral_vascular_disease",
    "efi-respiratory-disease": "respiratory_disease",
    "efi-skin-ulcer": "skin_ulcer",
    "efi-sleep-disturbance": "sleep_disturbance",
    "efi-social-vulnerability": "social_vulnerability",
    "efi-thyroid-disorders": "thyroid_disease",
    "efi-urinary-incontinence": "urinary_incontinence",
    "efi-urinary-system-disease": "urinary_system_disease",
    "efi-vision-problems": "visual_impairment",
    "efi-weight-loss": "weight_loss_anorexia",
}


def git(git_dir: str, *args: str) -> str:
    return subprocess.run(  # noqa: S603 - a maintainer runs this by hand on a local clone
        ["git", f"--git-dir={git_dir}", *args],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main(git_dir: str, commit: str) -> None:
    paths = git(git_dir, "ls-tree", "-r", "--name-only", commit, "shared/clinical-code-sets/")
    files = sorted(p for p in paths.splitlines() if p.endswith(".snomed.txt") and "/efi-" in p)
    found = {p.split("/")[3]: p for p in files if p.split("/")[4] == "1"}
    if set(found) != set(DEFICIT):
        raise SystemExit(f"code sets differ from the 35 expected: {set(found) ^ set(DEFICIT)}")
    date = git(git_dir, "log", "-1", "--format=%cs", commit, "--", *found.values()).strip()
    out = sys.stdout
    out.write(
        "# eFI code list, SNOMED CT, version gm-sde-efi-v1 "
        f"(GM-SDE commit {commit[:12]}, code sets last changed {date})\n"
        "# Deficits: Clegg A et al. Development and validation of an electronic frailty index using\n"
        "# routine primary care electronic health record data. Age and Ageing 2016;45(3):353-360.\n"
        "# Codes: UoM-Data-Science-Platforms/gm-sde, shared/clinical-code-sets/*/efi-*/1/*.snomed.txt\n"
        "# (https://github.com/UoM-Data-Science-Platforms/gm-sde), GM-SDE's SNOMED CT equivalents of\n"
        "# the original eFI CTV3/Read v2 codes, reproduced unchanged. Made by sources/efi_from_gm_sde.py.\n"
        "# Polypharmacy (the 36th deficit) comes from prescriptions, not codes: see frailty.py.\n"
    )
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["deficit", "code", "term", "code_set"])
    for name in sorted(found, key=lambda n: DEFICIT[n]):
        text = git(git_dir, "show", f"{commit}:{found[name]}")
        for line in text.splitlines():
            if not line.strip():
                continue
            code, _, term = line.partition("\t")
            writer.writerow([DEFICIT[name], code.strip(), term.strip(), name])


if __name__ == "__main__":
    main(*sys.argv[1:3])
