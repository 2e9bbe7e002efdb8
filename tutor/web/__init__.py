"""The web app's parts (``app.py`` puts them together): one module per tab under ``tabs/``, what
the tabs share (``state``), the markdown they show (``render``, which the CLI prints too), how a
failure is shown (``friendly``), the concept map's own JS and CSS (``static/``), and the request
guard in front of it all (``guard``). Nothing is imported here: the CLI loads ``render`` alone."""
