// AssemblyScript, compiled with the other kernels/*.ts into src/engine/kernelsWasm.ts by `npm run build:kernels`
// (tools/build_kernels.ts). Not TypeScript: `usize`, `f32`, `i32`, `v128` are AssemblyScript's types.
//
// The backward pass of causal attention out = P·v, P = softmax(q·kᵀ + bias) (kernels/causalSoftmax.ts), in one pass
// over the query rows, over the keys each row sees (j ≤ past + (r mod T)) only:
//   dP_j = dout·v_j,   dS_j = P_j (dP_j − Σ_j' P_j' dP_j'),   dq = Σ_j dS_j k_j,   dk_j += dS_j q,   dv_j += P_j dout
// TF.js's autodiff runs five products and a softmax gradient over the whole [G·T, Tk] (half of it masked). dP goes
// four keys at a time from vᵀ [hd, Tk]; the rest runs along the head dimension, four floats at a time when hd allows.

// @ts-nocheck

/** acc[0..hd) += s · x[0..hd), four lanes at a time, then the tail. */
@inline
function axpy(acc: usize, s: f32, x: usize, hd: i32): void {
  const bytes = (<usize>hd) << 2;
  const vecBytes = (<usize>(hd & ~3)) << 2;
  const sv = f32x4.splat(s);
  let d: usize = 0;
  for (; d < vecBytes; d += 16) v128.store(acc + d, f32x4.add(v128.load(acc + d), f32x4.mul(sv, v128.load(x + d))));
  for (; d < bytes; d += 4) store<f32>(acc + d, load<f32>(acc + d) + s * load<f32>(x + d));
}

/**
 * Byte offsets: q [B, KV, R, hd] (the scaled queries), k [B, KV, Tk, hd], vT [B, KV, hd, Tk] (v transposed), p
 * [B, KV, R, Tk] (the forward's probabilities), dy [B, KV, R, hd] (the output's gradient); outputs dq [B, KV, R, hd],
 * dk and dv [B, KV, Tk, hd]; scratch: Tk floats. Row r sees keys 0..past + (r mod t).
 */
export function causalAttentionBackward(
  q: usize, k: usize, vT: usize, p: usize, dy: usize, dq: usize, dk: usize, dv: usize, scratch: usize,
  b: i32, kvh: i32, rows: i32, t: i32, past: i32, tk: i32, hd: i32,
): void {
  const kRow = (<usize>tk) << 2; // a row of P, or of vᵀ
  const hRow = (<usize>hd) << 2; // a row of q, k, v, dy
  for (let bi = 0; bi < b; bi++) {
    for (let h = 0; h < kvh; h++) {
      const head = <usize>(bi * kvh + h);
      const kh = k + head * (<usize>tk) * hRow;
      const vTh = vT + head * (<usize>hd) * kRow;
      const dkh = dk + head * (<usize>tk) * hRow;
      const dvh = dv + head * (<usize>tk) * hRow;
      memory.fill(dkh, 0, (<usize>tk) * hRow);
      memory.fill(dvh, 0, (<usize>tk) * hRow);
      for (let r = 0; r < rows; r++) {
        const row = head * (<usize>rows) + (<usize>r);
        const qr = q + row * hRow;
        const dyr = dy + row * hRow;
        const dqr = dq + row * hRow;
        const pr = p + row * kRow;
        const n = min(past + (r % t) + 1, tk);
        const nv = <usize>(n & ~3);
        // dP_j = dy·v_j into the scratch row, and Σ P_j dP_j
        let dotv = f32x4.splat(0);
        let j: usize = 0;
        if (hd == 8) {
          // the eight products summed as a tree, so that the adds do not wait on each other
          const y0 = f32x4.splat(load<f32>(dyr));
          const y1 = f32x4.splat(load<f32>(dyr + 4));
          const y2 = f32x4.splat(load<f32>(dyr + 8));
          const y3 = f32x4.splat(load<f32>(dyr + 12));
          const y4 = f32x4.splat(load<f32>(dyr + 16));
          const y5 = f32x4.splat(load<f32>(dyr + 20));
          const y6 = f32x4.splat(load<f32>(dyr + 24));
          const y7 = f32x4.splat(load<f32>(dyr + 28));
          for (; j < nv; j += 4) {
            const vp = vTh + (j << 2);
            const s01 = f32x4.add(f32x4.mul(y0, v128.load(vp)), f32x4.mul(y1, v128.load(vp + kRow)));
            const s23 = f32x4.add(f32x4.mul(y2, v128.load(vp + 2 * kRow)), f32x4.mul(y3, v128.load(vp + 3 * kRow)));
            const s45 = f32x4.add(f32x4.mul(y4, v128.load(vp + 4 * kRow)), f32x4.mul(y5, v128.load(vp + 5 * kRow)));
            const s67 = f32x4.add(f32x4.mul(y6, v128.load(vp + 6 * kRow)), f32x4.mul(y7, v128.load(vp + 7 * kRow)));
            const acc = f32x4.add(f32x4.add(s01, s23), f32x4.add(s45, s67));
            v128.store(scratch + (j << 2), acc);
            dotv = f32x4.add(dotv, f32x4.mul(acc, v128.load(pr + (j << 2))));
          }
        }
        for (; j < nv; j += 4) {
          let acc = f32x4.splat(0);
          let vp = vTh + (j << 2);
          for (let d = 0; d < hd; d++) {
            acc = f32x4.add(acc, f32x4.mul(f32x4.splat(load<f32>(dyr + ((<usize>d) << 2))), v128.load(vp)));
            vp += kRow;
          }
          v128.store(scratch + (j << 2), acc);
          dotv = f32x4.add(dotv, f32x4.mul(acc, v128.load(pr + (j << 2))));
        }
        let dot: f32 = f32x4.extract_lane(dotv, 0) + f32x4.extract_lane(dotv, 1) + (f32x4.extract_lane(dotv, 2) + f32x4.extract_lane(dotv, 3));
        for (; j < <usize>n; j++) {
          let acc: f32 = 0;
          let vp = vTh + (j << 2);
          for (let d = 0; d < hd; d++) {
            acc += load<f32>(dyr + ((<usize>d) << 2)) * load<f32>(vp);
            vp += kRow;
          }
          store<f32>(scratch + (j << 2), acc);
          dot += acc * load<f32>(pr + (j << 2));
        }
        // dS_j, and the three sums it feeds
        if (hd == 8) {
          // dq in registers; q and dy of the row too
          const qa = v128.load(qr);
          const qb = v128.load(qr + 16);
          const ya = v128.load(dyr);
          const yb = v128.load(dyr + 16);
          let dqa = f32x4.splat(0);
          let dqb = f32x4.splat(0);
          for (j = 0; j < <usize>n; j++) {
            const pj = load<f32>(pr + (j << 2));
            if (pj == 0) continue; // a padded key: P_j = 0, so dS_j = 0 and dv_j gets nothing
            const ds = f32x4.splat(pj * (load<f32>(scratch + (j << 2)) - dot));
            const ps = f32x4.splat(pj);
            const kj = kh + j * hRow;
            dqa = f32x4.add(dqa, f32x4.mul(ds, v128.load(kj)));
            dqb = f32x4.add(dqb, f32x4.mul(ds, v128.load(kj + 16)));
            const dkj = dkh + j * hRow;
            v128.store(dkj, f32x4.add(v128.load(dkj), f32x4.mul(ds, qa)));
            v128.store(dkj + 16, f32x4.add(v128.load(dkj + 16), f32x4.mul(ds, qb)));
            const dvj = dvh + j * hRow;
            v128.store(dvj, f32x4.add(v128.load(dvj), f32x4.mul(ps, ya)));
            v128.store(dvj + 16, f32x4.add(v128.load(dvj + 16), f32x4.mul(ps, yb)));
          }
          v128.store(dqr, dqa);
          v128.store(dqr + 16, dqb);
          continue;
        }
        memory.fill(dqr, 0, hRow);
        for (j = 0; j < <usize>n; j++) {
          const pj = load<f32>(pr + (j << 2));
          if (pj == 0) continue; // a padded key: P_j = 0, so dS_j = 0 and dv_j gets nothing
          const ds: f32 = pj * (load<f32>(scratch + (j << 2)) - dot);
          const kj = kh + j * hRow;
          axpy(dqr, ds, kj, hd);
          axpy(dkh + j * hRow, ds, qr, hd);
          axpy(dvh + j * hRow, pj, dyr, hd);
        }
      }
    }
  }
}
