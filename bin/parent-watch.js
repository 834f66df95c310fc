// Preloaded (node --import) into the CLI process that bin/varl.js starts. The launcher spawns the
// CLI with an IPC channel; the channel closes when the launcher exits for any reason, including
// SIGKILL, which it cannot catch or forward. The CLI then stops as on SIGTERM (a training run saves
// a checkpoint and exits with status 130) instead of running on as an orphan. Run without the
// launcher (no IPC channel), this module does nothing.
if (process.channel) {
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  // A 'disconnect' listener holds the channel referenced; release it so the CLI still exits as soon
  // as its work is done.
  process.channel.unref();
}
