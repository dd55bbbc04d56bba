#!/usr/bin/env bash
# Extract the Chinese source strings, merge them into the English catalogue, compile it.
# Edit service/translations/en/LC_MESSAGES/messages.po for new msgids, then run this again.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${VENV:-.venv}/bin
"$bin/pybabel" extract -F babel.cfg -k _l -k lazy_gettext -o service/translations/messages.pot .
if [ -f service/translations/en/LC_MESSAGES/messages.po ]; then
  "$bin/pybabel" update -i service/translations/messages.pot -d service/translations -l en --no-fuzzy-matching
else
  "$bin/pybabel" init -i service/translations/messages.pot -d service/translations -l en
fi
"$bin/pybabel" compile -d service/translations --statistics
