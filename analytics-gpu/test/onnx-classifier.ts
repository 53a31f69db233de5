import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tokenizer } from '@huggingface/tokenizers'
import onnxProto, { type onnx as Onnx } from 'onnx-proto'

const { onnx } = onnxProto

/**
 * Writes a real ONNX text classifier into a model folder, as an operator's fine-tuned model
 * would arrive: `model.onnx` (input_ids and attention_mask in, `logits` [batch, 2] out),
 * tokenizer.json and tokenizer_config.json. Its "fine-tuning" is a lookup table: every token
 * votes for label 0 except the pieces of `trigger`, which vote strongly for label 1; the
 * logits are the masked maximum vote per label. Small, exact and run by onnxruntime itself.
 */
export function writeKeywordClassifier(
  dir: string,
  tokenizerFrom: string,
  trigger: string,
  config: object
): void {
  mkdirSync(join(dir, '1'), { recursive: true })
  for (const f of ['tokenizer.json', 'tokenizer_config.json'])
    copyFileSync(join(tokenizerFrom, f), join(dir, f))
  const read = (f: string) => JSON.parse(readFileSync(join(tokenizerFrom, f), 'utf8')) as object
  const tokenizer = new Tokenizer(read('tokenizer.json'), read('tokenizer_config.json'))
  const vocab = 30_522
  const votes = new Float32Array(vocab * 2)
  for (let id = 1; id < vocab; id++) votes[id * 2] = 1 // [PAD] (0) votes for nothing
  for (const id of tokenizer.encode(trigger, { add_special_tokens: false }).ids) {
    votes[id * 2] = 0
    votes[id * 2 + 1] = 6
  }
  const T = onnx.TensorProto.DataType
  const tensor = (name: string, dims: number[], data: Float32Array | BigInt64Array, type: number) =>
    onnx.TensorProto.create({ name, dims, dataType: type, rawData: new Uint8Array(data.buffer) })
  const io = (name: string, type: number, dims: (number | string)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType: type,
          shape: {
            dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
          },
        },
      },
    })
  const node = (
    op: string,
    inputs: string[],
    outputs: string[],
    attribute: Onnx.IAttributeProto[] = []
  ) => onnx.NodeProto.create({ opType: op, input: inputs, output: outputs, attribute })
  const graph = onnx.GraphProto.create({
    name: 'keyword-classifier',
    initializer: [
      tensor('votes', [vocab, 2], votes, T.FLOAT),
      tensor('axis2', [1], new BigInt64Array([2n]), T.INT64),
    ],
    input: [
      io('input_ids', T.INT64, ['batch', 'tokens']),
      io('attention_mask', T.INT64, ['batch', 'tokens']),
    ],
    output: [io('logits', T.FLOAT, ['batch', 2])],
    node: [
      node('Gather', ['votes', 'input_ids'], ['per_token']),
      node(
        'Cast',
        ['attention_mask'],
        ['mask_f'],
        [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: T.FLOAT }]
      ),
      node('Unsqueeze', ['mask_f', 'axis2'], ['mask_3d']),
      node('Mul', ['per_token', 'mask_3d'], ['masked']),
      node(
        'ReduceMax',
        ['masked'],
        ['logits'],
        [
          { name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [1] },
          { name: 'keepdims', type: onnx.AttributeProto.AttributeType.INT, i: 0 },
        ]
      ),
    ],
  })
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'trueport-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph,
  })
  writeFileSync(join(dir, '1', 'model.onnx'), onnx.ModelProto.encode(model).finish())
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config, null, 2))
}
