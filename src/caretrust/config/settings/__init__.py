"""Settings modules: `base` (shared), `dev` (embedded demo), `test`, `production`.

Every value comes from the environment (see `.env.example`); nothing secret is checked in.
"""
