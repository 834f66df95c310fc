import assert from 'node:assert/strict';
import { Normal, TanhNormal, tensor } from '../../engine/index.ts';

// Recorded from torch.distributions (PyTorch 1.13.1, float64, /usr/bin/python3):
//   base = Independent(Normal(loc, scale), 1);  q = Independent(Normal(locQ, scaleQ), 1)
//   base.log_prob(u), base.entropy(), kl_divergence(base, q)
//   TransformedDistribution(Normal(loc, scale), [TanhTransform(), AffineTransform((high + low)/2, (high − low)/2)])
//     .log_prob(a).sum(-1) at a = (high + low)/2 + (high − low)/2 · tanh(u)
const TORCH = {
  normalLogProb: [-2.1033045959997345, -7.272836334535189],
  normalEntropy: [2.5894157071108457, 1.9215863345351905],
  kl: [11.840314178738556, 7.307706534653419],
  tanhBoxLogProb: [1.6797387106342772, 4.3647538711496905],
};
const f64 = (v: number[][] | number[]) => tensor(v, { dtype: 'float64' });
const loc = f64([[0.3, -1.2], [1.5, 0.1]]);
const scale = f64([[0.6, 1.3], [0.2, 2.0]]);
const u = f64([[0.4, -2.5], [1.1, 6.0]]);

function assertMatches(actual: ArrayLike<number>, expected: number[], tol: number): void {
  expected.forEach((e, i) => assert.ok(Math.abs(actual[i] - e) <= tol * (1 + Math.abs(e)), `[${i}] ${actual[i]} vs torch ${e}`));
}

describe('distributions against torch.distributions', () => {
  it('Normal: logProb, entropy, KL', () => {
    const p = new Normal(loc, scale);
    assertMatches(p.logProb(u).data, TORCH.normalLogProb, 1e-13);
    assertMatches(p.entropy().data, TORCH.normalEntropy, 1e-13);
    assertMatches(p.klDivergence(new Normal(f64([[0, 1], [-1, 0.5]]), f64([[1, 0.5], [0.7, 3]]))).data, TORCH.kl, 1e-13);
  });

  it('TanhNormal on a box: logProb equals the tanh + affine transformed distribution', () => {
    const q = new TanhNormal(loc, scale, { box: { low: [-2, 0], high: [2, 1] } });
    const a = q.box!.toBox(u.tanh());
    // torch re-derives u from a by atanh, which costs ~1e-10 near |u| = 6
    assertMatches(q.logProb(a, u).data, TORCH.tanhBoxLogProb, 1e-9);
    assertMatches(q.logProb(a).data, TORCH.tanhBoxLogProb, 1e-6);
  });
});
