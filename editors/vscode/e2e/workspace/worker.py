import yaml


def parse(stream):
    return yaml.load(stream)
