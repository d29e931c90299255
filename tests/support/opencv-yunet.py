#!/usr/bin/python3
"""Cross-check data from real OpenCV for the YuNet decoder (results frozen into tests/fixtures/opencv/).

Needs Debian's python3-opencv (`apt-get install python3-opencv`; 4.6.0 on bookworm) and runs with /usr/bin/python3:

    /usr/bin/python3 tests/support/opencv-yunet.py nms > tests/fixtures/opencv/nms-boxes.json
    /usr/bin/python3 tests/support/opencv-yunet.py faces IMAGE... > tests/fixtures/opencv/yunet-faces.json

`nms`: random sets of integer boxes and float32 scores (ties, empty boxes, scores equal to the threshold) through
OpenCV's own `cv2.dnn.NMSBoxes` (`NMSFast_` with `rectOverlap`), with the indices it keeps.

`faces`: OpenCV's `FaceDetectorYN` path on each image. OpenCV 4.6's own `cv2.FaceDetectorYN` cannot run this YuNet
(it decodes the 2021 model's loc/conf/iou outputs and asks for them by name), so the script does what the current
`FaceDetectorYNImpl::detect` does with OpenCV 4.6's pieces: `cv2.imread` (BGR), `copyMakeBorder` to multiples of 32
(bottom/right), `cv2.dnn.blobFromImage`, OpenCV's DNN forward of the 12 outputs, the float32 `postProcess` loop
transcribed (with the C library's `expf` and `sqrtf`), and `cv2.dnn.NMSBoxes` on the `int()`-truncated boxes.
"""

import ctypes
import hashlib
import json
import sys

import cv2
import numpy as np

MODEL = '../shared/models/yunet/face_detection_yunet_2026may.onnx'
STRIDES = [8, 16, 32]
NAMES = [f'{kind}_{s}' for kind in ('cls', 'obj', 'bbox', 'kps') for s in STRIDES]

libm = ctypes.CDLL('libm.so.6')
libm.expf.restype = ctypes.c_float
libm.expf.argtypes = [ctypes.c_float]
libm.sqrtf.restype = ctypes.c_float
libm.sqrtf.argtypes = [ctypes.c_float]
f32 = np.float32


def nms_cases():
    rng = np.random.default_rng(20261201)
    cases = []
    for k in range(48):
        n = int(rng.integers(2, 90))
        extent = int(rng.choice([40, 200, 800]))
        x = rng.integers(-10, extent, n)
        y = rng.integers(-10, extent, n)
        w = rng.integers(0, 60, n) * (rng.random(n) > 0.1)  # some empty boxes
        h = rng.integers(0, 60, n) * (rng.random(n) > 0.1)
        scores = rng.choice(np.array([0.0, 0.3, 0.5, 0.6, 0.75, 0.9], dtype=np.float32), n) if k % 3 == 0 else rng.random(n, dtype=np.float32)
        score_threshold = float([0.0, 0.3, 0.5][(k // 3) % 3])
        nms_threshold = float(rng.choice([0.0, 0.2, 0.3, 0.45, 0.7, 1.0]))
        top_k = int(rng.choice([0, 5, 5000]))
        boxes = [(int(a), int(b), int(c), int(d)) for a, b, c, d in zip(x, y, w, h)]
        keep = cv2.dnn.NMSBoxes(boxes, [float(s) for s in scores], score_threshold, nms_threshold, 1.0, top_k)
        cases.append({
            'boxes': boxes,
            'scores': [float(s) for s in scores],
            'scoreThreshold': score_threshold,
            'nmsThreshold': nms_threshold,
            'topK': top_k,
            'keep': [int(i) for i in np.array(keep).reshape(-1)],
        })
    return cases


def short(values):
    """float32 values as their shortest decimals (which read back to the same float32)."""
    return [float(str(f32(v))) for v in values]


def post_process(outputs, pad_w, pad_h, score_threshold, nms_threshold, top_k):
    """FaceDetectorYNImpl::postProcess, float32 step by step."""
    faces = []
    for i, stride in enumerate(STRIDES):
        cols, rows = pad_w // stride, pad_h // stride
        cls_v = outputs[f'cls_{stride}'].reshape(-1)
        obj_v = outputs[f'obj_{stride}'].reshape(-1)
        bbox_v = outputs[f'bbox_{stride}'].reshape(-1)
        kps_v = outputs[f'kps_{stride}'].reshape(-1)
        s = f32(stride)
        for r in range(rows):
            for c in range(cols):
                idx = r * cols + c
                # MIN(v, 1.f) then MAX(v, 0.f)
                cls_score = f32(1) if cls_v[idx] > 1 else cls_v[idx]
                cls_score = f32(0) if cls_score < 0 else cls_score
                obj_score = f32(1) if obj_v[idx] > 1 else obj_v[idx]
                obj_score = f32(0) if obj_score < 0 else obj_score
                score = f32(libm.sqrtf(f32(cls_score * obj_score)))
                if score < f32(score_threshold):
                    continue
                cx = f32(f32(f32(c) + bbox_v[idx * 4 + 0]) * s)
                cy = f32(f32(f32(r) + bbox_v[idx * 4 + 1]) * s)
                w = f32(f32(libm.expf(bbox_v[idx * 4 + 2])) * s)
                h = f32(f32(libm.expf(bbox_v[idx * 4 + 3])) * s)
                x1 = f32(cx - f32(w / f32(2)))
                y1 = f32(cy - f32(h / f32(2)))
                kps = []
                for n in range(5):
                    kps.append(f32(f32(kps_v[idx * 10 + 2 * n] + f32(c)) * s))
                    kps.append(f32(f32(kps_v[idx * 10 + 2 * n + 1] + f32(r)) * s))
                faces.append([x1, y1, w, h, *kps, score])
    if len(faces) > 1:
        boxes = [(int(f[0]), int(f[1]), int(f[2]), int(f[3])) for f in faces]
        keep = cv2.dnn.NMSBoxes(boxes, [float(f[14]) for f in faces], score_threshold, nms_threshold, 1.0, top_k)
        faces = [faces[int(k)] for k in np.array(keep).reshape(-1)]
    return faces


def detect_faces(paths, thresholds):
    net = cv2.dnn.readNet(MODEL)
    results = []
    for path in paths:
        image = cv2.imread(path)
        height, width = image.shape[:2]
        pad_w = ((width - 1) // 32 + 1) * 32
        pad_h = ((height - 1) // 32 + 1) * 32
        padded = cv2.copyMakeBorder(image, 0, pad_h - height, 0, pad_w - width, cv2.BORDER_CONSTANT, value=0)
        net.setInput(cv2.dnn.blobFromImage(padded))
        outputs = dict(zip(NAMES, net.forward(NAMES)))
        entry = {'file': path, 'width': width, 'height': height, 'bgrSha256': hashlib.sha256(image.tobytes()).hexdigest(), 'faces': {}}
        for t in thresholds:
            faces = post_process(outputs, pad_w, pad_h, t, 0.3, 5000)
            entry['faces'][str(t)] = [{'box': short(f[:4]), 'landmarks': short(f[4:14]), 'score': short(f[14:])[0]} for f in faces]
        results.append(entry)
    return results


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ''
    source = {'opencv': cv2.__version__, 'script': 'tests/support/opencv-yunet.py', 'python': sys.version.split()[0]}
    if mode == 'nms':
        print(json.dumps({'source': {**source, 'function': 'cv2.dnn.NMSBoxes (eta 1)'}, 'cases': nms_cases()}))
    elif mode == 'faces' and len(sys.argv) > 2:
        faces = detect_faces(sys.argv[2:], [0.5, 0.9])
        print(json.dumps({'source': {**source, 'model': MODEL, 'nmsThreshold': 0.3, 'topK': 5000}, 'images': faces}))
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)


if __name__ == '__main__':
    main()
