"""gunicorn's settings beside the command line's (gunicorn reads this file from the working
directory): its own log lines go through the app's filters and format (README "Logs")."""

logger_class = "satupintu.logs_gunicorn.Logger"
