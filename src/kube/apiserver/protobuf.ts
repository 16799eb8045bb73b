/**
 * Just enough Kubernetes protobuf to accept the bodies kubectl's typed generators send
 * (`kubectl create namespace|configmap` use `application/vnd.kubernetes.protobuf`): the `k8s\0`
 * envelope (runtime.Unknown), ObjectMeta's name/generateName/namespace/labels/annotations/
 * finalizers, ConfigMap data/binaryData/immutable, Namespace spec.finalizers. Other kinds get a
 * 415 that says to use a manifest.
 */
import { ApiError } from './status.ts';
import type { KObject } from './types.ts';

type Field = { no: number; wire: number; value: bigint | Buffer };

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new Error('truncated varint');
      const b = buf[pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, wire, value: varint() };
    else if (wire === 2) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new Error('truncated field');
      yield { no, wire, value: buf.subarray(pos, pos + len) };
      pos += len;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const str = (v: bigint | Buffer) => (Buffer.isBuffer(v) ? v.toString('utf8') : String(v));

function mapEntry(buf: Buffer, asBase64 = false): [string, string] {
  let k = '';
  let v = '';
  for (const f of fields(buf)) {
    if (f.no === 1) k = str(f.value);
    if (f.no === 2) v = asBase64 && Buffer.isBuffer(f.value) ? f.value.toString('base64') : str(f.value);
  }
  return [k, v];
}

function objectMeta(buf: Buffer): KObject {
  const m: KObject = {};
  const names: Record<number, string> = { 1: 'name', 2: 'generateName', 3: 'namespace' };
  for (const f of fields(buf)) {
    const n = names[f.no];
    if (n) {
      const v = str(f.value);
      if (v !== '') m[n] = v;
    } else if (f.no === 11 || f.no === 12) {
      const key = f.no === 11 ? 'labels' : 'annotations';
      const [k, v] = mapEntry(f.value as Buffer);
      m[key] = { ...(m[key] ?? {}), [k]: v };
    } else if (f.no === 14) m.finalizers = [...(m.finalizers ?? []), str(f.value)];
  }
  return m;
}

function decodeKind(kind: string, raw: Buffer): KObject {
  const obj: KObject = { metadata: {} };
  for (const f of fields(raw)) {
    if (f.no === 1) obj.metadata = objectMeta(f.value as Buffer);
    else if (kind === 'ConfigMap' && (f.no === 2 || f.no === 3)) {
      const key = f.no === 2 ? 'data' : 'binaryData';
      const [k, v] = mapEntry(f.value as Buffer, f.no === 3);
      obj[key] = { ...(obj[key] ?? {}), [k]: v };
    } else if (kind === 'ConfigMap' && f.no === 4) obj.immutable = f.value !== 0n;
    else if (kind === 'Namespace' && f.no === 2) {
      for (const s of fields(f.value as Buffer))
        if (s.no === 1) obj.spec = { finalizers: [...(obj.spec?.finalizers ?? []), str(s.value)] };
    }
  }
  return obj;
}

/** Decodes a protobuf request body into JSON text, or throws 415 for kinds it does not know. */
export function protobufToJson(body: Buffer): string {
  const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);
  const unsupported = (what: string) =>
    new ApiError(
      415,
      'UnsupportedMediaType',
      `the lab apiserver decodes protobuf only for ConfigMap and Namespace (got ${what}): write a manifest and use kubectl create -f / apply -f`,
    );
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC))
    throw unsupported('a body without the k8s protobuf envelope');
  let apiVersion = '';
  let kind = '';
  let raw: Buffer | undefined;
  try {
    for (const f of fields(body.subarray(4))) {
      if (f.no === 1) {
        for (const t of fields(f.value as Buffer)) {
          if (t.no === 1) apiVersion = str(t.value);
          if (t.no === 2) kind = str(t.value);
        }
      } else if (f.no === 2) raw = f.value as Buffer;
    }
    if (apiVersion !== 'v1' || (kind !== 'ConfigMap' && kind !== 'Namespace') || !raw) {
      throw unsupported(`${apiVersion} ${kind}`.trim() || 'an unknown kind');
    }
    return JSON.stringify({ apiVersion, kind, ...decodeKind(kind, raw) });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw new ApiError(400, 'BadRequest', `cannot decode the protobuf body: ${(err as Error).message}`);
  }
}
