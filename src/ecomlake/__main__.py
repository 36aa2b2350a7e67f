from ecomlake.cli.main import run

run()
