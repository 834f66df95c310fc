/**
 * A private single-node SLURM cluster on this machine, for specs: its own munged (own key and
 * socket), slurmctld and slurmd (own slurm.conf, ports, state, spool, logs and pid files), all in one
 * temporary folder. Clients reach it through `SLURM_CONF` in `cluster.env`; the machine's /etc/slurm,
 * /etc/munge and any munged or SLURM daemons already running are left alone.
 *
 * Debian's SLURM daemons and clients and munge (slurmctld, slurmd, slurm-client, munge: the parts of
 * slurm-wlm this needs) are installed with apt-get when missing and this runs as root. Where the
 * cluster cannot be had, `startSlurmCluster` returns the reason instead of a cluster; the spec then
 * reports `SLURM TEST NOT RUN: <reason>`. With VARL_REQUIRE_SLURM=1 that reason is an error instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir, userInfo } from 'node:os';
import * as path from 'node:path';

export interface SlurmCluster {
  /** The temporary folder holding the configuration, state, logs and pid files. */
  readonly dir: string;
  readonly conf: string;
  readonly nodeName: string;
  /** process.env with SLURM_CONF pointing at this cluster: pass it to sbatch, squeue, sacct. */
  readonly env: NodeJS.ProcessEnv;
  /** How long apt-get took (0 when nothing was installed) and the whole bring-up, in seconds. */
  readonly installSeconds: number;
  readonly startSeconds: number;
  /** The last lines of the daemons' logs, for failure messages. */
  logTail(lines?: number): string;
  /** Cancels this cluster's jobs, stops its daemons (by pid) and removes its folder. */
  stop(): Promise<void>;
}

/** The cluster, or why it cannot be started here. */
export type SlurmClusterResult = { readonly cluster: SlurmCluster } | { readonly notRun: string };

const PACKAGES = ['slurmctld', 'slurmd', 'slurm-client', 'munge'];
const BINARIES = ['/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/sbatch', '/usr/bin/squeue', '/usr/bin/sinfo', '/usr/bin/scontrol', '/usr/bin/scancel', '/usr/sbin/munged'];

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Installs the SLURM and munge packages when missing; returns the seconds apt-get took, or why it cannot. */
function ensurePackages(log: (line: string) => void): number | string {
  const missing = BINARIES.filter((b) => !fs.existsSync(b));
  if (missing.length === 0) return 0;
  if (process.platform !== 'linux') return `SLURM is not installed (${missing.join(', ')} missing) and this is not Linux`;
  if (!isRoot()) return `SLURM is not installed (${missing.join(', ')} missing) and it cannot be installed here (not root); install Debian's slurm-wlm and munge packages`;
  if (!fs.existsSync('/usr/bin/apt-get')) return `SLURM is not installed (${missing.join(', ')} missing) and it cannot be installed here (no apt-get)`;
  log(`SLURM is missing (${missing.map((m) => path.basename(m)).join(', ')}): installing Debian's ${PACKAGES.join(' ')} (apt-get update && apt-get install -y --no-install-recommends …) …`);
  const started = Date.now();
  const result = spawnSync('sh', ['-c', `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${PACKAGES.join(' ')}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`apt-get install ${PACKAGES.join(' ')} failed (exit status ${result.status}):\n${(result.stderr || result.stdout).trim().split('\n').slice(-20).join('\n')}`);
  }
  const still = BINARIES.filter((b) => !fs.existsSync(b));
  if (still.length > 0) throw new Error(`apt-get install ${PACKAGES.join(' ')} finished but ${still.join(', ')} do not exist`);
  return (Date.now() - started) / 1000;
}

/** A TCP port nothing listens on right now. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number, details: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting until ${what}\n${details()}`);
    await sleep(200);
  }
}

/** Stops process `pid` (SIGTERM, then SIGKILL after `graceMs`) and waits until it is gone. */
async function stopProcess(pid: number | null, graceMs = 10_000): Promise<void> {
  if (pid === null || !alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) {
    process.kill(pid, 'SIGKILL');
    while (alive(pid)) await sleep(50);
  }
}

function tail(file: string, lines: number): string {
  if (!fs.existsSync(file)) return `(${path.basename(file)}: none)`;
  const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return `--- ${path.basename(file)} (last ${Math.min(lines, text.length)} lines)\n${text.slice(-lines).join('\n')}`;
}

/**
 * Brings up the cluster and waits until its node is idle (about a second once installed). Returns
 * `{ notRun }` when SLURM is missing and cannot be installed, or when its daemons do not come up.
 *
 *   const started = await startSlurmCluster((line) => console.log(line));
 *   if ('notRun' in started) { console.error(`SLURM TEST NOT RUN: ${started.notRun}`); this.skip(); }
 */
export async function startSlurmCluster(log: (line: string) => void = () => {}): Promise<SlurmClusterResult> {
  const started = Date.now();
  const installed = ensurePackages(log);
  if (typeof installed === 'string') return { notRun: installed };
  if (!isRoot()) return { notRun: 'the test cluster runs its daemons as root (SlurmUser=root) and this is not root' };

  const dir = fs.mkdtempSync(path.join(tmpdir(), 'varl-slurm-'));
  // munged requires every folder above its socket to be searchable by all.
  fs.chmodSync(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'log']) fs.mkdirSync(path.join(dir, sub), { recursive: true, mode: 0o755 });
  const file = (...parts: string[]): string => path.join(dir, ...parts);
  const logs = ['munged.log', 'slurmctld.log', 'slurmd.log'].map((name) => file('log', name));
  const logTail = (lines = 30): string => logs.map((l) => tail(l, lines)).join('\n');
  const pids = { munged: file('munge', 'munged.pid'), slurmctld: file('slurmctld.pid'), slurmd: file('slurmd.pid') };
  const socket = file('munge', 'munge.socket');
  const conf = file('slurm.conf');
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };
  // Options a user's environment could set for sbatch/squeue would change what the spec sees.
  for (const name of Object.keys(env)) if (/^(SBATCH|SQUEUE|SACCT|SLURM)_/.test(name) && name !== 'SLURM_CONF') delete env[name];
  // slurmctld only runs where SlurmctldHost names this machine's short host name (`hostname -s`).
  const nodeName = hostname().split('.')[0]!;

  const activeJobs = (): string => spawnSync('squeue', ['--noheader', '--states=PENDING,RUNNING,COMPLETING,CONFIGURING,SUSPENDED', '--format=%i'], { env, encoding: 'utf8', timeout: 10_000 }).stdout?.trim() ?? '';
  const stop = async (): Promise<void> => {
    // Jobs still queued or running are cancelled first, so no job step outlives slurmd.
    const controller = readPid(pids.slurmctld);
    if (controller !== null && alive(controller) && activeJobs() !== '') {
      spawnSync('scancel', ['--full', '--quiet', `--user=${userInfo().username}`], { env, stdio: 'ignore', timeout: 10_000 });
      await waitFor('the cancelled jobs have ended', () => activeJobs() === '', 30_000, logTail).catch((error: Error) => log(error.message));
    }
    await stopProcess(readPid(pids.slurmd));
    await stopProcess(readPid(pids.slurmctld));
    await stopProcess(readPid(pids.munged));
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    // munge: a fresh key, read only by its owner (munged refuses anything looser).
    fs.writeFileSync(file('munge', 'munge.key'), randomBytes(1024), { mode: 0o600 });
    const munged = spawnSync('/usr/sbin/munged', [
      `--socket=${socket}`, `--key-file=${file('munge', 'munge.key')}`, `--pid-file=${pids.munged}`,
      `--log-file=${logs[0]}`, `--seed-file=${file('munge', 'munged.seed')}`,
    ], { encoding: 'utf8' });
    if (munged.status !== 0) throw new Error(`munged did not start (exit status ${munged.status}): ${munged.stderr.trim()}`);

    // slurmd -C: this machine's CPUs, sockets, cores and memory as a NodeName line.
    const hardware = execFileSync('/usr/sbin/slurmd', ['-C'], { encoding: 'utf8' }).split('\n').find((l) => l.startsWith('NodeName='));
    if (!hardware) throw new Error('slurmd -C printed no NodeName= line');
    const nodeLine = hardware.replace(/^NodeName=\S+/, `NodeName=${nodeName} NodeAddr=127.0.0.1`);
    const [controllerPort, nodePort] = [await freePort(), await freePort()];
    fs.writeFileSync(conf, [
      '# A private single-node cluster for varl specs; every path is in this folder.',
      'ClusterName=varlspec',
      `SlurmctldHost=${nodeName}(127.0.0.1)`,
      `SlurmctldPort=${controllerPort}`,
      `SlurmdPort=${nodePort}`,
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${socket}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      `StateSaveLocation=${file('state')}`,
      `SlurmdSpoolDir=${file('spool')}`,
      `SlurmctldPidFile=${pids.slurmctld}`,
      `SlurmdPidFile=${pids.slurmd}`,
      `SlurmctldLogFile=${logs[1]}`,
      `SlurmdLogFile=${logs[2]}`,
      'MailProg=/bin/true',
      'MpiDefault=none',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_Core',
      'SchedulerType=sched/backfill',
      'ReturnToService=2',
      'AccountingStorageType=accounting_storage/none',
      'JobAcctGatherType=jobacct_gather/none',
      'JobCompType=jobcomp/none',
      // Finished jobs stay visible to squeue for an hour, so the spec reads their final state.
      'MinJobAge=3600',
      'SchedulerParameters=sched_interval=1,bf_interval=1',
      nodeLine,
      `PartitionName=debug Nodes=${nodeName} Default=YES MaxTime=INFINITE State=UP`,
      '',
    ].join('\n'));

    for (const daemon of ['slurmctld', 'slurmd'] as const) {
      const result = spawnSync(`/usr/sbin/${daemon}`, daemon === 'slurmd' ? ['-f', conf, '-N', nodeName] : ['-f', conf], { encoding: 'utf8', env });
      if (result.status !== 0) throw new Error(`${daemon} did not start (exit status ${result.status}): ${result.stderr.trim()}`);
      await waitFor(`${daemon} wrote its pid file`, () => readPid(pids[daemon]) !== null, 20_000, logTail);
    }

    // The node registers as idle; one left DOWN or DRAINED (an earlier state, a slow registration) is resumed.
    const nodeState = (): string => spawnSync('sinfo', ['--noheader', '--Node', `--nodes=${nodeName}`, '--format=%T'], { env, encoding: 'utf8', timeout: 10_000 }).stdout?.trim().toLowerCase() ?? '';
    let resumed = false;
    await waitFor(`node ${nodeName} is idle (sinfo)`, () => {
      const state = nodeState();
      if (state.startsWith('idle')) return true;
      if (!resumed && /down|drain/.test(state)) {
        log(`node ${nodeName} came up ${state}: scontrol update nodename=${nodeName} state=resume`);
        spawnSync('scontrol', ['update', `nodename=${nodeName}`, 'state=resume'], { env, stdio: 'ignore', timeout: 10_000 });
        resumed = true;
      }
      return false;
    }, 60_000, () => `sinfo: ${nodeState() || '(no answer)'}\n${logTail()}`);
  } catch (error) {
    const reason = `the SLURM daemons did not come up: ${(error as Error).message.split('\n')[0]}`;
    log(`${(error as Error).message}\n${logTail()}`);
    await stop();
    return { notRun: reason };
  }

  return {
    cluster: {
      dir, conf, nodeName, env, logTail, stop,
      installSeconds: installed,
      startSeconds: (Date.now() - started) / 1000,
    },
  };
}
