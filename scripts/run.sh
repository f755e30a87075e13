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
"${flask[@]}" import-partners sample_data/partners.csv

say "Sample campaigns"
landing="https://northwind.example.com/secure-edge"
"${flask[@]}" create-campaign spring-launch --title "Secure Edge spring launch" \
    --template spring-flyer --brand-kit northwind --landing-url "$landing/spring"
"${flask[@]}" create-campaign nx-datasheet --title "NX Series datasheet" \
    --template datasheet --brand-kit northwind --landing-url "$landing/nx-series"
"${flask[@]}" create-campaign launch-social --title "Secure Edge launch — social" \
    --template social-launch --brand-kit northwind --landing-url "$landing/launch"
"${flask[@]}" create-campaign partner-email --title "Partner e-mail header" \
    --template email-header --brand-kit northwind --landing-url "$landing/webinar"
"${flask[@]}" create-campaign partner-newsletter --title "Partner newsletter: webinar invitation" \
    --template partner-newsletter --brand-kit northwind --landing-url "$landing/webinar"
"${flask[@]}" campaigns

say "Publishing"
for campaign in spring-launch nx-datasheet launch-social partner-email partner-newsletter; do
    "${flask[@]}" publish "$campaign"
done

say "Demo history (marked demo data) for the analytics charts"
"${flask[@]}" seed-demo

if "${flask[@]}" --help | grep -q demo-users; then
    say "Demo logins"
    "${flask[@]}" demo-users
fi

port="${PORT:-5000}"
say "Serving http://127.0.0.1:$port (Ctrl-C to stop)"
echo "Sign in with a demo login above: the console's dashboard is at /, every partner's"
echo "rendered assets (thumbnails, downloads) at http://127.0.0.1:$port/assets, the portal at /portal/."
exec "${flask[@]}" run --host 127.0.0.1 --port "$port"
