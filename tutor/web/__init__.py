"""What the web app needs besides Gradio: the request guard in front of it."""
