import os


def publish_report(path: str) -> None:
    with open(path, "w") as f:
        f.write("done\n")
    os.chmod(path, 0o777)
