"""Tasks: what a training run learns, evaluates, references, predicts, summarises and draws.

    registry.py    TASKS (name -> package), configs and run directories of any task
    protocol.py    TaskModule: what every task package provides
    evaluation.py  `artimap evaluate`: dispatch to the run's task
    lip2tongue/    lip video -> ultrasound tongue images or points
    phone2face/    phone sequences -> 3-D face marker trajectories
"""
