# Runs at power-up on the Pico W. secrets.py comes from
# `npx hearth device add <id> --kind pico`; config.py holds the settings.
import config
import secrets

from app import App

App(secrets, config).run()
