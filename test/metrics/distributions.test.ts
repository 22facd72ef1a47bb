import fixture from '../fixtures/scipy-correlations.json';
import { assertClose } from '../../src/engine/asserts';
import { betaIncRegularized, logGamma, normalCdf, normalSf } from '../../src/metrics/distributions';

describe('metrics/distributions (against scipy.special / scipy.stats)', () => {
  it('logGamma', () => {
    for (const { x, lgamma } of fixture.lgamma) assertClose(logGamma(x), lgamma, { atol: 1e-13, rtol: 1e-13 });
    assertClose(logGamma(5), Math.log(24), { atol: 1e-14 }); // Γ(5) = 4!
  });

  it('regularised incomplete beta', () => {
    for (const { a, b, x, betainc } of fixture.betainc) {
      assertClose(betaIncRegularized(a, b, x), betainc, { atol: 1e-300, rtol: 1e-10, message: `I_${x}(${a}, ${b})` });
    }
    // I_x(1, 1) = x; I_x(a, b) = 1 - I_{1-x}(b, a)
    assertClose(betaIncRegularized(1, 1, 0.3), 0.3, { atol: 1e-15 });
    assertClose(betaIncRegularized(2, 5, 0.2), 1 - betaIncRegularized(5, 2, 0.8), { atol: 1e-15 });
  });

  it('normal tail', () => {
    for (const { z, sf } of fixture.normalSf)
      assertClose(normalSf(z), sf, { atol: 1e-300, rtol: 1e-12, message: `sf(${z})` });
    assertClose(normalCdf(0), 0.5, { atol: 1e-15 });
  });
});
