"""Entry point of the aizone component provider: the Pulumi language host runs this directory."""

from pulumi_aizone.provider import serve

if __name__ == "__main__":
    serve()
