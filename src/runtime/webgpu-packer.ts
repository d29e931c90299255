import type { InputGeometry, Normalization } from '../core/index.ts';

/**
 * One pixel per invocation: the texture's RGBA (premultiplied, so composited over black as on the CPU path)
 * back to bytes, picked into the model's channel order, (v − mean) / std, written planar NCHW; padding 0.
 */
const SHADER = /* wgsl */ `
struct Params {
  content: vec2u,
  input: vec2u,
  bgr: u32,
  mean: vec3f,
  deviation: vec3f,
}
@group(0) @binding(0) var frame: texture_2d<f32>;
@group(0) @binding(1) var<storage, read_write> tensor: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) id: vec3u) {
  if (id.x >= p.input.x || id.y >= p.input.y) { return; }
  let plane = p.input.x * p.input.y;
  let at = id.y * p.input.x + id.x;
  if (id.x >= p.content.x || id.y >= p.content.y) {
    tensor[at] = 0.0;
    tensor[at + plane] = 0.0;
    tensor[at + 2u * plane] = 0.0;
    return;
  }
  let rgb = round(textureLoad(frame, id.xy, 0).rgb * 255.0);
  let v = select(rgb, rgb.bgr, p.bgr == 1u);
  let t = (v - p.mean) / p.deviation;
  tensor[at] = t.x;
  tensor[at + plane] = t.y;
  tensor[at + 2u * plane] = t.z;
}`;

// The WebGPU spec's flag values (the DOM typings name the interfaces but not these constants).
const BUFFER = { COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;
const TEXTURE = { COPY_DST: 0x2, TEXTURE_BINDING: 0x4, RENDER_ATTACHMENT: 0x10 } as const;

/** The uniform block's layout (std140-like WGSL rules): vec2u, vec2u, u32 + pad, vec3f + pad, vec3f + pad (mean, then std as `deviation`: `std` is a WGSL keyword). */
const PARAMS_BYTES = 64;

/**
 * Packs frames into the model's input tensor on the GPU: the bitmap is uploaded once as a texture
 * (`copyExternalImageToTexture`) and a compute shader writes the float tensor into a storage buffer that
 * onnxruntime reads in place (`Tensor.fromGpuBuffer`). No pixel crosses to the CPU. Buffers are kept while the
 * input size stays the same.
 */
export class WebGpuPacker {
  private readonly pipeline: GPUComputePipeline;
  private readonly params: GPUBuffer;
  private texture: GPUTexture | null = null;
  private buffer: GPUBuffer | null = null;
  private bindGroup: GPUBindGroup | null = null;
  private readonly paramBytes = new ArrayBuffer(PARAMS_BYTES);

  constructor(
    private readonly device: GPUDevice,
    normalization: Normalization,
  ) {
    this.pipeline = device.createComputePipeline({ layout: 'auto', compute: { module: device.createShaderModule({ code: SHADER }), entryPoint: 'main' } });
    this.params = device.createBuffer({ size: PARAMS_BYTES, usage: BUFFER.UNIFORM | BUFFER.COPY_DST });
    const u32 = new Uint32Array(this.paramBytes);
    const f32 = new Float32Array(this.paramBytes);
    u32[4] = normalization.channelOrder === 'BGR' ? 1 : 0;
    f32.set(normalization.mean, 8);
    f32.set(normalization.std, 12);
  }

  /** The input buffer for this geometry (kept for the next frame of the same size). */
  private prepare(g: InputGeometry): void {
    const { contentWidth: cw, contentHeight: ch, inputWidth: iw, inputHeight: ih } = g;
    const size = 3 * iw * ih * 4;
    const sameBuffer = this.buffer?.size === size;
    const sameTexture = this.texture?.width === cw && this.texture?.height === ch;
    if (!sameBuffer) {
      this.buffer?.destroy();
      this.buffer = this.device.createBuffer({ size, usage: BUFFER.STORAGE | BUFFER.COPY_SRC | BUFFER.COPY_DST });
    }
    if (!sameTexture) {
      this.texture?.destroy();
      this.texture = this.device.createTexture({
        size: [cw, ch],
        format: 'rgba8unorm',
        usage: TEXTURE.TEXTURE_BINDING | TEXTURE.COPY_DST | TEXTURE.RENDER_ATTACHMENT,
      });
    }
    if (!sameBuffer || !sameTexture || !this.bindGroup) {
      const u32 = new Uint32Array(this.paramBytes);
      u32.set([cw, ch, iw, ih], 0);
      this.device.queue.writeBuffer(this.params, 0, this.paramBytes);
      this.bindGroup = this.device.createBindGroup({
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: this.texture!.createView() },
          { binding: 1, resource: { buffer: this.buffer! } },
          { binding: 2, resource: { buffer: this.params } },
        ],
      });
    }
  }

  /** Packs a bitmap already at the geometry's content size; returns the buffer holding the [1,3,H,W] tensor. */
  pack(bitmap: ImageBitmap | VideoFrame, g: InputGeometry): GPUBuffer {
    this.prepare(g);
    this.device.queue.copyExternalImageToTexture({ source: bitmap }, { texture: this.texture!, premultipliedAlpha: true }, [g.contentWidth, g.contentHeight]);
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.pipeline);
    pass.setBindGroup(0, this.bindGroup!);
    pass.dispatchWorkgroups(Math.ceil(g.inputWidth / 16), Math.ceil(g.inputHeight / 16));
    pass.end();
    this.device.queue.submit([encoder.finish()]);
    return this.buffer!;
  }

  destroy(): void {
    this.texture?.destroy();
    this.buffer?.destroy();
    this.params.destroy();
    this.texture = this.buffer = this.bindGroup = null;
  }
}
