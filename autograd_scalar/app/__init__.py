"""The application layer: the command line, the demo and the expression parser. The only
place that joins the engine and the pictures (`viz`); nothing else imports it."""
