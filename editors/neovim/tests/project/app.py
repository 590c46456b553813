import subprocess

import yaml


def handler(stream, name, expr):
    data = yaml.load(stream)
    subprocess.run(["ls", name], shell=True)
    return eval(f"handlers.{expr}()"), data
