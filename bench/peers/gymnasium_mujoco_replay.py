"""Replays a trace of varl's MuJoCo v5 envs (written by bench/mujoco-gymnasium.ts) through Gymnasium's own env
classes and prints, as JSON, how Gymnasium's observations, rewards, terminations and info differ from varl's.

Gymnasium's code runs unmodified. Only its two outside inputs are stood in for:
- the `mujoco` module: MjModel/MjData hold the recorded sizes and arrays; `mj_forward`, `mj_step` and
  `mj_rnePostConstraint` load the arrays MuJoCo computed in varl's run, after checking that Gymnasium wrote the
  same state (before `mj_forward`) or controls and frame skip (before `mj_step`);
- `np_random`: serves varl's recorded noise draws, after checking each draw's distribution and bounds.
Any disagreement found by a stand-in is reported under `protocolMismatches`.

Usage: python3 gymnasium_mujoco_replay.py TRACE.json
Gymnasium is imported as installed, else from $VARL_GYMNASIUM_SRC or bench/peers/gymnasium-src (see install.sh).
"""
import importlib
import json
import sys
import types
import xml.etree.ElementTree as ElementTree

import numpy as np
from gymnasium_source import import_gymnasium

DERIVED_BY_FORWARD = ("xpos", "site_xpos", "qfrc_constraint")
DERIVED_BY_STEP = ("qpos", "qvel") + DERIVED_BY_FORWARD


class Replay:
    """The recorded snapshots of one episode, consumed in the order Gymnasium asks for them."""

    def __init__(self):
        self.events = []
        self.mismatches = []
        self.model = None
        self.after_step = None  # the snapshot of the last mj_step, whose contact forces mj_rnePostConstraint serves

    def expect(self, kind):
        if not self.events:
            self.mismatches.append(f"unexpected {kind}: no recorded physics left")
            return None
        event_kind, snapshot = self.events.pop(0)
        if event_kind != kind:
            self.mismatches.append(f"Gymnasium called {kind} where varl's run had {event_kind}")
        return snapshot


REPLAY = Replay()


def field(snapshot, name, shape):
    return np.asarray(snapshot[name], dtype=np.float64).reshape(shape)


class FakeModel:
    def __init__(self, spec, xml_path):
        self.nq, self.nv, self.nu, self.nbody = spec["nq"], spec["nv"], spec["nu"], spec["nbody"]
        self.na = 0
        self.opt = types.SimpleNamespace(timestep=spec["timestep"])
        self.actuator_ctrlrange = np.asarray(spec["ctrlRange"], dtype=np.float64).reshape(self.nu, 2)
        self.qpos0 = np.asarray(spec["qpos0"], dtype=np.float64)
        self.vis = types.SimpleNamespace(global_=types.SimpleNamespace(offwidth=640, offheight=480))
        root = ElementTree.parse(xml_path).getroot()
        # MuJoCo numbers bodies depth-first in document order, the world body being 0.
        self.body_names = ["world"] + [body.get("name") for body in root.find("worldbody").iter("body")]
        if len(self.body_names) != self.nbody:
            REPLAY.mismatches.append(f"{xml_path} has {len(self.body_names)} bodies, varl's model {self.nbody}")


class FakeData:
    def __init__(self, model):
        self.model = model
        self.qpos = model.qpos0.copy()
        self.qvel = np.zeros(model.nv)
        self.act = np.zeros(model.na)
        self.ctrl = np.zeros(model.nu)
        self.qfrc_constraint = np.zeros(model.nv)
        self.xpos = np.zeros((model.nbody, 3))
        self.cfrc_ext = np.zeros((model.nbody, 6))
        self.site_xpos = np.zeros((0, 3))

    def body(self, key):
        index = key if isinstance(key, (int, np.integer)) else self.model.body_names.index(key)
        return types.SimpleNamespace(xpos=self.xpos[index])


def mj_resetData(model, data):
    data.qpos[:] = model.qpos0
    for name in ("qvel", "act", "ctrl", "qfrc_constraint", "xpos", "cfrc_ext", "site_xpos"):
        getattr(data, name)[...] = 0


def load(data, snapshot, names):
    for name in names:
        current = getattr(data, name)
        values = np.asarray(snapshot[name], dtype=np.float64)
        setattr(data, name, values.reshape(-1, current.shape[1]) if current.ndim == 2 else values)


def compare_exact(what, ours, theirs):
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    if ours.shape != theirs.shape or not np.array_equal(ours, theirs):
        gap = np.max(np.abs(ours - theirs)) if ours.shape == theirs.shape else "shape"
        REPLAY.mismatches.append(f"{what} differs (max |Δ| {gap})")


def mj_forward(model, data):
    snapshot = REPLAY.expect("forward")
    if snapshot is None:
        return
    compare_exact("state written before mj_forward (reset noise)", snapshot["qpos"] + snapshot["qvel"], np.concatenate([data.qpos, data.qvel]))
    load(data, snapshot, DERIVED_BY_FORWARD)


def mj_step(model, data, nstep=1):
    snapshot = REPLAY.expect("step")
    if snapshot is None:
        return
    if nstep != REPLAY.model["frameSkip"]:
        REPLAY.mismatches.append(f"mj_step with nstep={nstep}, varl's frame skip is {REPLAY.model['frameSkip']}")
    compare_exact("controls written before mj_step", snapshot["ctrl"], data.ctrl)
    load(data, snapshot, DERIVED_BY_STEP)
    REPLAY.after_step = snapshot


def mj_rnePostConstraint(model, data):
    load(data, REPLAY.after_step, ("cfrc_ext",))


class FakeRandom:
    """Serves recorded draws to Gymnasium's reset_model, checking the distribution it asks for."""

    def __init__(self, draws):
        self.draws = list(draws)

    def take(self, kind, args, size):
        count = 1 if size is None else int(np.prod(size))
        values = []
        for _ in range(count):
            if not self.draws:
                REPLAY.mismatches.append(f"Gymnasium draws more {kind} values than varl did")
                values.append(0.0)
                continue
            draw = self.draws.pop(0)
            if draw["kind"] != kind or any(float(a) != float(b) for a, b in zip(draw["args"], args)):
                REPLAY.mismatches.append(f"Gymnasium draws {kind}{tuple(args)} where varl drew {draw['kind']}{tuple(draw['args'])}")
            values.append(draw["value"])
        return values[0] if size is None else np.asarray(values).reshape(size)

    def uniform(self, low=0.0, high=1.0, size=None):
        return self.take("uniform", (low, high), size)

    def standard_normal(self, size=None):
        return self.take("normal", (0.0, 1.0), size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self.take("normal", (loc, scale), size)


def install_stand_ins():
    mujoco = types.ModuleType("mujoco")
    mujoco.MjModel = types.SimpleNamespace(from_xml_path=lambda path: FakeModel(REPLAY.model, path))
    mujoco.MjData = FakeData
    mujoco.mj_resetData = mj_resetData
    mujoco.mj_forward = mj_forward
    mujoco.mj_step = mj_step
    mujoco.mj_rnePostConstraint = mj_rnePostConstraint
    sys.modules["mujoco"] = mujoco
    rendering = types.ModuleType("gymnasium.envs.mujoco.mujoco_rendering")

    class MujocoRenderer:
        def __init__(self, *args, **kwargs):
            pass

        def close(self):
            pass

    rendering.MujocoRenderer = MujocoRenderer
    sys.modules["gymnasium.envs.mujoco.mujoco_rendering"] = rendering


class Comparison:
    def __init__(self, task):
        self.row = {"id": task["id"], "steps": 0, "resets": 0, "terminations": 0, "terminationMismatches": 0,
                    "maxObsAbs": 0.0, "obsNotFloat32Equal": 0, "obsEntries": 0, "maxRewardAbs": 0.0, "maxInfoAbs": {},
                    "infoKeysOnlyVarl": set(), "infoKeysOnlyGymnasium": set()}

    def observation(self, ours, theirs):
        ours = np.asarray(ours, dtype=np.float64)
        theirs = np.asarray(theirs, dtype=np.float64)
        if ours.shape != theirs.shape:
            REPLAY.mismatches.append(f"observation shape {ours.shape} in varl, {theirs.shape} in Gymnasium")
            return
        self.row["maxObsAbs"] = max(self.row["maxObsAbs"], float(np.max(np.abs(ours - theirs))))
        self.row["obsNotFloat32Equal"] += int(np.sum(ours != theirs.astype(np.float32).astype(np.float64)))
        self.row["obsEntries"] += ours.size

    def info(self, ours, theirs):
        self.row["infoKeysOnlyVarl"] |= set(ours) - set(theirs)
        self.row["infoKeysOnlyGymnasium"] |= set(theirs) - set(ours)
        for key in set(ours) & set(theirs):
            gap = abs(float(ours[key]) - float(theirs[key]))
            self.row["maxInfoAbs"][key] = max(self.row["maxInfoAbs"].get(key, 0.0), gap)

    def result(self):
        row = dict(self.row)
        row["infoKeysOnlyVarl"] = sorted(row["infoKeysOnlyVarl"])
        row["infoKeysOnlyGymnasium"] = sorted(row["infoKeysOnlyGymnasium"])
        row["protocolMismatches"] = sorted(set(REPLAY.mismatches))
        return row


def replay_task(task):
    REPLAY.mismatches = []
    REPLAY.model = task["model"]
    env_class = getattr(importlib.import_module(f"gymnasium.envs.mujoco.{task['module']}"), task["className"])
    env = env_class()
    if env.frame_skip != REPLAY.model["frameSkip"]:
        REPLAY.mismatches.append(f"Gymnasium's frame skip {env.frame_skip}, varl's {REPLAY.model['frameSkip']}")
    comparison = Comparison(task)
    for episode in task["episodes"]:
        REPLAY.events = [("forward", episode["reset"]["physics"])] + [("step", step["physics"]) for step in episode["steps"]]
        env._np_random = FakeRandom(episode["draws"])
        obs, info = env.reset()
        if env._np_random.draws:
            REPLAY.mismatches.append(f"varl drew {len(env._np_random.draws)} more reset values than Gymnasium")
        comparison.row["resets"] += 1
        comparison.observation(episode["reset"]["obs"], obs)
        comparison.info(episode["reset"]["info"], info)
        for step in episode["steps"]:
            obs, reward, terminated, truncated, info = env.step(np.asarray(step["action"], dtype=np.float32))
            comparison.row["steps"] += 1
            comparison.row["terminations"] += int(step["terminated"])
            comparison.row["terminationMismatches"] += int(bool(terminated) != step["terminated"]) + int(bool(truncated))
            comparison.observation(step["obs"], obs)
            comparison.row["maxRewardAbs"] = max(comparison.row["maxRewardAbs"], abs(float(reward) - step["reward"]))
            comparison.info(step["info"], info)
    env.close()
    return comparison.result()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gymnasium_mujoco_replay.py TRACE.json")
    with open(sys.argv[1]) as file:
        tasks = json.load(file)
    install_stand_ins()
    gymnasium = import_gymnasium("gymnasium_mujoco_replay.py")
    rows = [replay_task(task) for task in tasks]
    print(json.dumps({"gymnasium": gymnasium.__version__, "numpy": np.__version__, "tasks": rows}))


if __name__ == "__main__":
    main()
