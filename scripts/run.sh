#!/usr/bin/env bash
# `make run`: set up everything on the embedded defaults (SQLite, a local storage folder,
# jobs in-process), publish the sample campaigns for the sample partners, then serve the
# web app at http://127.0.0.1:5000 (PORT overrides). Safe to run again: a second run
# reports every asset unchanged and renders nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
flask=(.venv/bin/flask --app wsgi)
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Database"
"${flask[@]}" init-db

say "Checking brand kits and templates"
"${flask[@]}" lint

say "Sample partners"
"${flask[@]}" partners import sample_data/partners.csv

say "Sample campaigns"
landing="https://northwind.example.com/secure-edge"
"${flask[@]}" campaigns create spring-launch --title "Secure Edge spring launch" \
    --template spring-flyer --brand-kit northwind --landing-url "$landing/spring"
"${flask[@]}" campaigns create nx-datasheet --title "NX Series datasheet" \
    --template datasheet --brand-kit northwind --landing-url "$landing/nx-series"
"${flask[@]}" campaigns create launch-social --title "Secure Edge launch — social" \
    --template social-launch --brand-kit northwind --landing-url "$landing/launch"
"${flask[@]}" campaigns create partner-email --title "Partner e-mail header" \
    --template email-header --brand-kit northwind --landing-url "$landing/webinar"
"${flask[@]}" campaigns create partner-newsletter --title "Partner newsletter: webinar invitation" \
    --template partner-newsletter --brand-kit northwind --landing-url "$landing/webinar"
"${flask[@]}" campaigns list

say "Publishing"
for campaign in spring-launch nx-datasheet launch-social partner-email partner-newsletter; do
    "${flask[@]}" campaigns publish "$campaign"
done

say "Demo history (marked demo data) for the analytics charts"
"${flask[@]}" seed-demo

say "Demo logins"
"${flask[@]}" users demo

port="${PORT:-5000}"
say "Serving http://127.0.0.1:$port (Ctrl-C to stop)"
echo "Sign in with a demo login above: the console's dashboard is at /, every partner's"
echo "rendered assets (thumbnails, downloads) at http://127.0.0.1:$port/assets, the portal at /portal/."
exec "${flask[@]}" run --host 127.0.0.1 --port "$port"
