/**
 * `varl eval --video FILE.svg` and `--frames DIR`: where a recorded episode may be written (checked before
 * any work) and the writing itself, each file whole or not at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { nearestExistingPath, writeDirectoryAtomic, writeFileAtomic } from '../../engine/io/files.ts';
import { animatedSvg } from '../../envs/core/svg.ts';
import type { RecordedEpisode } from '../common/evaluate.ts';
import { UsageError } from './usage.ts';

const FRAME_FILE = /^frame-\d{5,}\.svg$/;

function frameFile(index: number): string {
  return `frame-${String(index).padStart(5, '0')}.svg`;
}

/**
 * Throws unless the folders missing on the way to `target` can be created: the nearest one that exists must be
 * a folder, or the write would fail (EEXIST, ENOTDIR) after the evaluation has run.
 */
function checkCreatableUnder(flag: string, value: string, target: string): void {
  const ancestor = nearestExistingPath(target);
  if (!fs.statSync(ancestor).isDirectory()) throw new UsageError(`eval: --${flag} ${value}: ${ancestor} is a file, not a folder`);
}

/** `--video`: an .svg file, not a folder; its folder is created when written. */
export function checkVideoFile(value: string, cwd: string): string {
  if (path.extname(value).toLowerCase() !== '.svg') throw new UsageError(`eval: --video writes an animated SVG, so it must name an .svg file, got '${value}'`);
  const file = path.resolve(cwd, value);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new UsageError(`eval: --video ${value} is a folder; name an .svg file`);
  if (!fs.existsSync(file)) checkCreatableUnder('video', value, file);
  return file;
}

/** `--frames`: a new or empty folder, or one holding only frames of an earlier run (replaced whole). */
export function checkFramesDir(value: string, cwd: string): string {
  const dir = path.resolve(cwd, value);
  if (!fs.existsSync(dir)) {
    checkCreatableUnder('frames', value, dir);
    return dir;
  }
  if (!fs.statSync(dir).isDirectory()) throw new UsageError(`eval: --frames ${value} is a file; name a new or empty folder`);
  const others = fs.readdirSync(dir).filter((name) => !FRAME_FILE.test(name)).sort();
  if (others.length > 0) {
    throw new UsageError(`eval: --frames ${value} holds other files (${others.slice(0, 3).join(', ')}${others.length > 3 ? ', …' : ''}); name a new or empty folder`);
  }
  return dir;
}

/** Writes `episode` as one animated SVG played at `fps` and/or as one SVG per state (frame-00000.svg, …). */
export function writeEpisodeFiles(episode: RecordedEpisode, fps: number, { videoFile, framesDir }: { videoFile: string | null; framesDir: string | null }): void {
  if (videoFile !== null) {
    fs.mkdirSync(path.dirname(videoFile), { recursive: true });
    writeFileAtomic(videoFile, animatedSvg(episode.frames, fps));
  }
  if (framesDir !== null) writeDirectoryAtomic(framesDir, Object.fromEntries(episode.frames.map((frame, i) => [frameFile(i), frame])));
}
