"""Settings derived from the environment (webmail/settings.py)."""

import os
import subprocess
import sys


def test_prepared_statements_unless_database_url_turns_them_off(tmp_path):
    """Postgres connections prepare a statement run a fifth time (decisions/0011);
    "?prepare_threshold=off" in DATABASE_URL (an old PgBouncer in front) turns it off."""
    probe = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['prepare_threshold'])"
    )
    seen = []
    for query in ("", "?prepare_threshold=off", "?prepare_threshold=10"):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "webmail.settings",
            "MAIL_DATA_DIR": str(tmp_path),
            "DATABASE_URL": f"postgresql://postgres@127.0.0.1/nowhere{query}",
        }
        out = subprocess.run(
            [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
        )
        seen.append(out.stdout.strip())
    assert seen == ["5", "None", "10"]
