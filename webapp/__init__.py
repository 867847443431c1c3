"""The web app (layer 4, on top): the Flask app factory (webapp.app.create_app), the CLI
(webapp.cli), the JSON API and the pages (webapp.views), for practitioners, migrants,
employers and service providers. Views parse input, call one service, render."""
