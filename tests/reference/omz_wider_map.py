#!/usr/bin/env python3
"""OpenVINO Open Model Zoo accuracy checker's WIDER FACE AP (the model card's "AP 87.30 %" rule), as a yardstick.

Not imported by any test: run it by hand to (re)make the frozen figure of tests/unit/eval/wider-120.test.ts.
Needs numpy (Debian: apt-get install -y python3-numpy).

    python3 tests/reference/omz_wider_map.py -p <wider txt folder | detect JSON> \
        -a ../shared/testdata/wider-val-120/wider_face_val_bbx_gt_subset.txt

Sources (openvinotoolkit/open_model_zoo, tools/accuracy_checker/accuracy_checker/, read through the code search
index; citations are file:function), configured as models/public/retinaface-resnet50/accuracy-check.yml says:
  CONV = annotation_converters/wider.py:WiderFormatConverter.convert, utils.py:convert_bboxes_xywh_to_x1y1x2y2
  CAST = postprocessor/cast_to_int.py (round_policy 'nearest' = np.rint), on annotation and prediction
  CLIP = postprocessor/clip_boxes.py (size 1024, apply_to annotation)
  FILT = postprocessor/filter.py FilterByHeightRange (64, 1024), FilterEmpty; utils.py:in_interval
  IOU  = metrics/overlap.py:IOU (include_boundaries False)
  MAP  = metrics/detection.py:bbox_match, _prepare_annotation_boxes, _prepare_prediction_boxes, average_precision,
         per_class_detection_statistics (ignore_difficult True, allow_multiple_matches_per_ignored False,
         distinct_conf False, use_filtered_tp False)
The code is reduced to the one label 'face' and written as plain functions; each step keeps the checker's
operations. Predictions come from WIDER txt files (x y w h score → x2 = x + w), in place of the model adapter.
The checker sorts with np.argsort(-scores) (quicksort, not stable); this script prints the AP with that sort
and with a stable one (what src/eval does). Images without a prediction file are left out (the subset rule).
"""

import argparse
import os

import numpy as np


def read_annotation(path):  # CONV: the lines with '.jpg', then the count, then x y w h ...
    lines = [line.rstrip('\n') for line in open(path)]  # utils.read_txt strips each line
    image_ids = [i for i, line in enumerate(lines) if '.jpg' in line]
    annotations = {}
    for image_id in image_ids:
        identifier = lines[image_id]
        bbox_count = lines[image_id + 1]
        bbox_lines = lines[image_id + 2:image_id + 2 + int(bbox_count)]
        boxes = []
        for bbox in bbox_lines:
            x, y, w, h = map(float, bbox.split(' ')[0:4])
            boxes.append((x, y, x + w, y + h))  # convert_bboxes_xywh_to_x1y1x2y2
        annotations[identifier] = np.array(boxes, dtype=float).reshape(-1, 4)
    return annotations


def read_predictions(pred_dir):  # the WIDER txt layout: <dir>/<event>/<name>.txt
    predictions = {}
    for event in sorted(os.listdir(pred_dir)):
        for name in sorted(os.listdir(os.path.join(pred_dir, event))):
            lines = open(os.path.join(pred_dir, event, name)).read().split('\n')
            rows = [list(map(float, line.split(' ')[:5])) for line in lines[2:] if line.strip() != '']
            rows = np.array(rows, dtype=float).reshape(-1, 5)
            boxes = np.stack([rows[:, 0], rows[:, 1], rows[:, 0] + rows[:, 2], rows[:, 1] + rows[:, 3]], axis=1)
            predictions['{}/{}.jpg'.format(event, name[:-4])] = (rows[:, 4], boxes)
    return predictions


def read_json_predictions(path):  # the JSON of `retinaface-web detect`, boxes unrounded
    import json
    predictions = {}
    for image in json.load(open(path)):
        parts = image['file'].replace('\\', '/').split('/')
        rows = np.array([[f['box']['x'], f['box']['y'], f['box']['width'], f['box']['height'], f['score']] for f in image['faces']], dtype=float).reshape(-1, 5)
        boxes = np.stack([rows[:, 0], rows[:, 1], rows[:, 0] + rows[:, 2], rows[:, 1] + rows[:, 3]], axis=1)
        predictions['{}/{}.jpg'.format(parts[-2], parts[-1].rsplit('.', 1)[0])] = (rows[:, 4], boxes)
    return predictions


def postprocess_annotation(boxes):  # CAST, then CLIP (size 1024), then FILT -> difficult indices
    boxes = np.rint(boxes)
    boxes = boxes.clip(0, 1024)  # each of x_mins, x_maxs, y_mins, y_maxs clipped to (0, 1024)
    difficult = []
    for index, (y_min, y_max) in enumerate(zip(boxes[:, 1], boxes[:, 3])):  # FilterByHeightRange
        height = y_max - y_min
        if not (64 <= height < 1024):  # in_interval
            difficult.append(index)
    empty = np.where(np.bitwise_or(boxes[:, 2] - boxes[:, 0] <= 0, boxes[:, 3] - boxes[:, 1] <= 0))[0]  # FilterEmpty
    difficult.extend(empty)
    return boxes, difficult


def iou(prediction_box, annotation_boxes):  # IOU with boundary 0
    px_min, py_min, px_max, py_max = prediction_box
    ax_mins, ay_mins, ax_maxs, ay_maxs = annotation_boxes
    x_mins = np.maximum(ax_mins, px_min)
    y_mins = np.maximum(ay_mins, py_min)
    x_maxs = np.minimum(ax_maxs, px_max)
    y_maxs = np.minimum(ay_maxs, py_max)
    inter = (np.maximum(x_mins, x_maxs) - x_mins) * (np.maximum(y_mins, y_maxs) - y_mins)
    area = lambda b: (b[2] - b[0]) * (b[3] - b[1])
    unions = area(prediction_box) + area(annotation_boxes) - inter
    return np.divide(inter, unions, out=np.zeros_like(inter, dtype=float), where=unions != 0)


def average_precision(precision, recall):  # MAP:average_precision, integral 'max'
    recall = np.concatenate(([0.], recall, [1.]))
    precision = np.concatenate(([0.], precision, [0.]))
    for i in range(precision.size - 1, 0, -1):
        precision[i - 1] = np.maximum(precision[i - 1], precision[i])
    change_point = np.where(recall[1:] != recall[:-1])[0]
    return np.sum((recall[change_point + 1] - recall[change_point]) * precision[change_point + 1])


def evaluate(annotations, predictions, stable):
    identifiers = [k for k in annotations if k in predictions]  # the subset rule
    gts, difficult_masks, used_boxes = [], [], []
    number_ground_truth = 0
    for identifier in identifiers:  # MAP:_prepare_annotation_boxes
        boxes, difficult = postprocess_annotation(annotations[identifier])
        mask = np.full(len(boxes), False)
        mask[difficult] = True
        gts.append(boxes)
        difficult_masks.append(mask)
        used_boxes.append(np.zeros(len(boxes)))
        number_ground_truth += len(boxes) - np.sum(mask)
    scores, images, pboxes = [], [], []
    for i, identifier in enumerate(identifiers):  # MAP:_prepare_prediction_boxes (+ CAST on predictions)
        s, b = predictions[identifier]
        scores.append(s)
        images.append(np.full(len(s), i))
        pboxes.append(np.rint(b))
    scores, images, pboxes = np.concatenate(scores), np.concatenate(images), np.concatenate(pboxes)
    order = np.argsort(-scores, kind='stable') if stable else np.argsort(-scores)
    scores, images, pboxes = scores[order], images[order], pboxes[order]

    tp = np.zeros(len(scores))
    fp = np.zeros(len(scores))
    for d in range(len(scores)):  # MAP:bbox_match
        gt = gts[images[d]]
        annotation_difficult = difficult_masks[images[d]]
        used = used_boxes[images[d]]
        if len(gt) == 0:
            fp[d] = 1
            continue
        overlaps = iou(pboxes[d], (gt[:, 0], gt[:, 1], gt[:, 2], gt[:, 3]))
        max_overlap = -np.inf
        not_ignored = overlaps[np.where(annotation_difficult == 0)[0]]
        ignored = overlaps[np.where(annotation_difficult == 1)[0]]
        if not_ignored.size:
            max_overlap = np.max(not_ignored)
        if max_overlap < 0.5 and ignored.size:
            max_overlap = np.max(ignored)
        max_overlapped = np.where(overlaps == max_overlap)[0]
        if max_overlap < 0.5:
            fp[d] = 1
            continue
        if not annotation_difficult[max_overlapped].any():
            if not used[max_overlapped].any():
                tp[d] = 1
                used[max_overlapped] = True
            else:
                fp[d] = 1
        else:  # allow_multiple_matches_per_ignored is False
            if used[max_overlapped].any():
                fp[d] = 1
            used[max_overlapped] = True
    tp, fp = np.cumsum(tp), np.cumsum(fp)  # MAP:per_class_detection_statistics
    precision = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    recall = tp / np.maximum(number_ground_truth, np.finfo(np.float64).eps)
    return average_precision(precision, recall), int(number_ground_truth), int(tp[-1]), int(fp[-1])


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('-p', '--pred', required=True)
    parser.add_argument('-a', '--annotation', required=True)
    args = parser.parse_args()
    annotations = read_annotation(args.annotation)
    predictions = read_json_predictions(args.pred) if args.pred.endswith('.json') else read_predictions(args.pred)
    ap, faces, tp, fp = evaluate(annotations, predictions, stable=True)
    print('AP (stable sort): {!r}  faces {} tp {} fp {}'.format(float(ap), faces, tp, fp))
    ap, _, _, _ = evaluate(annotations, predictions, stable=False)
    print('AP (np.argsort default, as the accuracy checker): {!r}'.format(float(ap)))
