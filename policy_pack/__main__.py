"""Entry point of the policy pack: the Pulumi CLI runs this file with the pack directory as working
directory and on sys.path (`python -u -m pulumi.policy <engine> <packdir>`). It only builds and
serves the pack; the policies live in the importable `pulumi_aizone_policy` package."""

from pulumi_aizone_policy.pack import build_pack

build_pack()
