// Warden's receipt verifier (docs/console.md, "Verify in the browser"). It runs in the customer's browser and decides
// by computing, never by asking the server whether a receipt is valid: it fetches public data (the receipt, the JWKS,
// the signed checkpoint, the log's verifier key, an inclusion proof) and checks
//   1. the receipt's ES256 JWS signature against the published JWKS (RFC 7515, RFC 7518 §3.4: r‖s, P-256, SHA-256);
//      a version 2 receipt "H~C~I~P" (docs/trust.md, "Batched signatures") is checked by verifying the batch header
//      JWS H, then folding the claims' leaf hash up the path P at index I to the header's signed root;
//   2. the checkpoint's C2SP signed-note Ed25519 signature against the log's vkey (c2sp.org/signed-note);
//   3. the receipt's inclusion in the log: the leaf hash recomputed from the receipt, the root recomputed from the
//      proof (RFC 9162 §2.1.3.2) and compared with the checkpoint's root hash.
// Hand-written, no framework, no build step; served as a file so the page's CSP can stay script-src 'self'.
"use strict";

const WardenVerify = (() => {
  const utf8 = new TextEncoder();

  function concat(...parts) {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function fromBase64(text) {
    const raw = atob(text);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  function fromBase64Url(text) {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    return fromBase64(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  }

  function toHex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHex(text) {
    if (!/^([0-9a-f]{2})*$/i.test(text)) throw new Error("not hex");
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(i * 2, 2), 16);
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) return false;
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  // RFC 9162 §2.1.1: a leaf is SHA-256(0x00 ‖ entry), an interior node SHA-256(0x01 ‖ left ‖ right).
  const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  // A receipt's log entry is the text "receipt <sha256 hex of the whole receipt text>\n" (docs/trust.md): the compact
  // JWS of a version 1 receipt, all of "H~C~I~P" for version 2.
  async function receiptLeafHash(jws) {
    const digest = toHex(await sha256(utf8.encode(jws)));
    return leafHash(utf8.encode("receipt " + digest + "\n"));
  }

  // RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the proof cannot be valid for this index
  // and size. Indices are JavaScript numbers (exact to 2^53), halved by division, not by 32-bit shifts.
  async function rootFromInclusion(leaf, index, size, proof) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
    let fn = index;
    let sn = size - 1;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) {
            fn = Math.floor(fn / 2);
            sn = Math.floor(sn / 2);
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2);
      sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // The JWS's signature over "header.payload" with the JWKS key its header names (kid), ES256 only.
  async function verifyJws(jws, jwks) {
    const parts = jws.trim().split(".");
    if (parts.length !== 3) return { ok: false, reason: "Malformed" };
    let header;
    let claims;
    try {
      header = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[0])));
      claims = JSON.parse(new TextDecoder().decode(fromBase64Url(parts[1])));
    } catch {
      return { ok: false, reason: "Malformed" };
    }
    if (header.alg !== "ES256") return { ok: false, reason: "Malformed" };
    const jwk = (jwks.keys || []).find((k) => k.kid === header.kid && k.kty === "EC" && k.crv === "P-256");
    if (!jwk) return { ok: false, reason: "NoKey", kid: header.kid };
    const key = await crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    let signature;
    try {
      signature = fromBase64Url(parts[2]);
    } catch {
      return { ok: false, reason: "BadSignature", kid: header.kid };
    }
    const ok = signature.length === 64 && await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature,
      utf8.encode(parts[0] + "." + parts[1]));
    return ok ? { ok: true, kid: header.kid, typ: header.typ, claims } : { ok: false, reason: "BadSignature", kid: header.kid };
  }

  // A receipt of either version: a compact JWS (version 1), or "H~C~I~P" (version 2): the batch header JWS H signs
  // {"v":2,kid,issued_at,size,root}; C is the claims (base64url), I the leaf index, P the path's hashes concatenated.
  // The claims are bound to the signature only through the batch tree: leaf = SHA-256(0x00 ‖ C bytes), folded up P.
  async function verifyReceipt(text, jwks) {
    const parts = text.trim().split("~");
    if (parts.length === 1) return verifyJws(parts[0], jwks);
    if (parts.length !== 4 || !/^(0|[1-9][0-9]*)$/.test(parts[2])) return { ok: false, reason: "Malformed" };
    const signed = await verifyJws(parts[0], jwks);
    if (!signed.ok) return signed;
    const batch = signed.claims;
    if (signed.typ !== "warden-receipt-batch+jws" || batch.v !== 2 || batch.kid !== signed.kid ||
        !Number.isSafeInteger(batch.size) || typeof batch.root !== "string") {
      return { ok: false, reason: "Malformed", kid: signed.kid };
    }
    let claimsBytes;
    let path;
    let claims;
    try {
      claimsBytes = fromBase64Url(parts[1]);
      path = parts[3] === "" ? new Uint8Array(0) : fromBase64Url(parts[3]);
      claims = JSON.parse(new TextDecoder().decode(claimsBytes));
    } catch {
      return { ok: false, reason: "Malformed", kid: signed.kid };
    }
    if (path.length % 32 !== 0) return { ok: false, reason: "Malformed", kid: signed.kid };
    const hashes = [];
    for (let at = 0; at < path.length; at += 32) hashes.push(path.slice(at, at + 32));
    const root = await rootFromInclusion(await leafHash(claimsBytes), Number(parts[2]), batch.size, hashes);
    // Claims, index or path that do not lead to the signed root are not signed: the signature does not cover them.
    if (!root || toHex(root) !== batch.root.toLowerCase() || claims.v !== 2) return { ok: false, reason: "BadSignature", kid: signed.kid };
    return { ok: true, kid: signed.kid, claims };
  }

  // A C2SP vkey "<name>+<8 hex key id>+<base64 of 0x01 ‖ Ed25519 public key>"; the key id must be the one the
  // specification derives: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ key)[:4].
  async function parseVkey(text) {
    // Split at the first two "+" only: the key's standard base64 may itself contain "+" (names cannot).
    const trimmed = text.trim();
    const first = trimmed.indexOf("+");
    const second = first < 0 ? -1 : trimmed.indexOf("+", first + 1);
    if (first <= 0 || second < 0) return null;
    const name = trimmed.slice(0, first);
    const idHex = trimmed.slice(first + 1, second);
    const keyB64 = trimmed.slice(second + 1);
    const key = fromBase64(keyB64);
    if (key.length !== 33 || key[0] !== 1 || !/^[0-9a-f]{8}$/.test(idHex)) return null;
    const id = (await sha256(concat(utf8.encode(name), Uint8Array.of(0x0a), key))).slice(0, 4);
    return equal(id, fromHex(idHex)) ? { name, id, publicKey: key.slice(1) } : null;
  }

  // A signed checkpoint: the note text (origin, size, base64 root, each ending in a newline), an empty line, then
  // signature lines "— <name> <base64 of key id ‖ signature>". Only the line of the log's own key counts.
  async function verifyCheckpoint(note, vkeyText) {
    const vkey = await parseVkey(vkeyText);
    if (!vkey) return { ok: false, reason: "BadKey" };
    const split = note.indexOf("\n\n");
    if (split < 0) return { ok: false, reason: "Malformed" };
    const text = note.slice(0, split + 1);
    const lines = text.split("\n");
    if (lines.length < 4 || !/^[0-9]+$/.test(lines[1])) return { ok: false, reason: "Malformed" };
    const size = Number(lines[1]);
    let root;
    try {
      root = fromBase64(lines[2]);
    } catch {
      return { ok: false, reason: "Malformed" };
    }
    if (root.length !== 32 || lines[0] !== vkey.name) return { ok: false, reason: "Malformed" };
    const key = await crypto.subtle.importKey("raw", vkey.publicKey, { name: "Ed25519" }, false, ["verify"]);
    for (const line of note.slice(split + 2).split("\n")) {
      const match = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!match || match[1] !== vkey.name) continue;
      let blob;
      try {
        blob = fromBase64(match[2]);
      } catch {
        continue;
      }
      if (blob.length !== 68 || !equal(blob.slice(0, 4), vkey.id)) continue;
      if (await crypto.subtle.verify({ name: "Ed25519" }, key, blob.slice(4), utf8.encode(text))) {
        return { ok: true, origin: vkey.name, size, root };
      }
    }
    return { ok: false, reason: "BadSignature" };
  }

  async function fetchText(url) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store", redirect: "error" });
    if (!response.ok) throw new Error(String(response.status));
    return response.text();
  }

  // Runs the steps on the page's #verifier element, writing each step's outcome as text.
  async function run(box) {
    const d = box.dataset;
    const steps = {};
    for (const li of box.querySelectorAll("[data-step]")) steps[li.dataset.step] = li;
    const set = (name, state, detail) => {
      const li = steps[name];
      li.dataset.state = state;
      li.querySelector(".state").textContent = d["text" + state[0].toUpperCase() + state.slice(1)];
      li.querySelector(".detail").textContent = detail || "";
    };
    const reason = (key) => d["reason" + key] || key;
    for (const name of Object.keys(steps)) set(name, "pending");
    const verdict = box.querySelector(".verdict");
    verdict.dataset.state = "running";
    verdict.textContent = d.textRunning;
    let allOk = true;
    const fail = (name, detail) => {
      allOk = false;
      set(name, "fail", detail);
    };

    // 1. The receipt and its signature.
    let jws = null;
    set("signature", "running");
    try {
      jws = (await fetchText(d.receiptUrl)).trim();
      const jwks = JSON.parse(await fetchText(d.jwksUrl));
      const checked = await verifyReceipt(jws, jwks);
      if (!checked.ok) fail("signature", reason(checked.reason));
      else if (checked.claims.request_id !== d.requestId) fail("signature", reason("OtherRequest"));
      else set("signature", "pass", "kid " + checked.kid);
    } catch {
      fail("signature", reason("Fetch"));
    }

    // 2. The checkpoint's signature.
    let checkpoint = null;
    set("checkpoint", "running");
    try {
      const [note, vkey] = await Promise.all([fetchText(d.checkpointUrl), fetchText(d.vkeyUrl)]);
      const checked = await verifyCheckpoint(note, vkey);
      if (checked.ok) {
        checkpoint = checked;
        set("checkpoint", "pass", checked.origin + " · " + checked.size + " · " + btoa(String.fromCharCode(...checked.root)));
      } else {
        fail("checkpoint", reason(checked.reason));
      }
    } catch {
      fail("checkpoint", reason("Fetch"));
    }

    // 3. Inclusion of this receipt's leaf in the tree the checkpoint signs.
    set("inclusion", "running");
    if (!jws || !checkpoint) {
      fail("inclusion", reason("Prerequisite"));
    } else {
      try {
        const leaf = await receiptLeafHash(jws);
        const url = d.proofUrl + "?leaf_hash=" + toHex(leaf) + "&request_id=" + encodeURIComponent(d.requestId) + "&size=" + checkpoint.size;
        const answer = JSON.parse(await fetchText(url));
        const proof = (answer.proof || []).map(fromBase64);
        const root = answer.tree_size === checkpoint.size && proof.every((p) => p.length === 32)
          ? await rootFromInclusion(leaf, answer.leaf_index, checkpoint.size, proof)
          : null;
        if (!root) fail("inclusion", reason("BadProof"));
        else if (!equal(root, checkpoint.root)) fail("inclusion", reason("RootMismatch"));
        else set("inclusion", "pass", "#" + answer.leaf_index + " / " + checkpoint.size);
      } catch {
        fail("inclusion", reason("NotInLog"));
      }
    }

    verdict.dataset.state = allOk ? "pass" : "fail";
    verdict.textContent = allOk ? d.textVerified : d.textNotVerified;
  }

  return { concat, fromBase64, fromHex, toHex, sha256, leafHash, nodeHash, receiptLeafHash, rootFromInclusion, verifyJws, verifyReceipt, parseVkey, verifyCheckpoint, run };
})();

globalThis.WardenVerify = WardenVerify;

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("verifier");
  const button = document.getElementById("verify");
  if (!box || !button) return;
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await WardenVerify.run(box);
    } finally {
      button.disabled = false;
    }
  });
});
