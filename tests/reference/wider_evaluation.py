#!/usr/bin/env python3
"""The official WIDER FACE evaluation, python port, written out again as a yardstick for src/eval/.

Not part of the package and not imported by any test: run it by hand to (re)make the frozen figures of
tests/unit/eval/wider-120.test.ts (see that file for the exact commands). Needs numpy and scipy
(Debian: apt-get install -y python3-numpy python3-scipy).

    python3 tests/reference/wider_evaluation.py -p <wider txt folder | detect JSON> -g ../shared/testdata/wider-val-120

Sources, read through the code search index (citations are file:function):
  EV  = biubug6/Pytorch_Retinaface@3c31dcd0 widerface_evaluate/evaluation.py (= wondervictor/WiderFace-Evaluation
        evaluation.py, the python port of the official MATLAB eval_tools)
  BO  = wondervictor/WiderFace-Evaluation@b36735a2 box_overlaps.pyx (float64 version; the float64 arrays EV passes
        in are only accepted by this version)
  M   = the official MATLAB eval_tools evaluation.m / read_pred.m, where they decide something EV leaves open

Every line below follows EV/BO. The only changes:
  * tqdm/IPython progress and debugging imports dropped (not installed here; they print nothing that matters);
  * bbox_overlaps is BO's Cython loop written as plain python (same float64 operations in the same order);
  * SUBSET: an image without a prediction file is skipped before its faces are counted. EV would raise KeyError
    (it needs predictions for all 3,226 images); with all images predicted this changes nothing. It makes the
    script evaluate "the images predicted", which is what `retinaface-web eval` does by default.
  * --all-images: instead counts the faces of images without predictions as missed (what M's read_pred.m does:
    it prints "Can not find the prediction file" and leaves the image empty).
  * prints the APs with repr() (all digits) and, with --curves, the 1000-point curves as JSON;
  * -p may also name the JSON of `retinaface-web detect` (get_preds_from_json), read with its boxes unrounded.
"""

import argparse
import json
import os

import numpy as np
from scipy.io import loadmat


def get_gt_boxes(gt_dir):  # EV:get_gt_boxes, verbatim
    gt_mat = loadmat(os.path.join(gt_dir, 'wider_face_val.mat'))
    hard_mat = loadmat(os.path.join(gt_dir, 'wider_hard_val.mat'))
    medium_mat = loadmat(os.path.join(gt_dir, 'wider_medium_val.mat'))
    easy_mat = loadmat(os.path.join(gt_dir, 'wider_easy_val.mat'))

    facebox_list = gt_mat['face_bbx_list']
    event_list = gt_mat['event_list']
    file_list = gt_mat['file_list']

    hard_gt_list = hard_mat['gt_list']
    medium_gt_list = medium_mat['gt_list']
    easy_gt_list = easy_mat['gt_list']

    return facebox_list, event_list, file_list, hard_gt_list, medium_gt_list, easy_gt_list


def read_pred_file(filepath):  # EV:read_pred_file
    with open(filepath, 'r') as f:
        lines = f.readlines()
        img_file = lines[0].rstrip('\n\r')
        lines = lines[2:]  # the count line is never read
    boxes = []
    for line in lines:
        line = line.rstrip('\r\n').split(' ')
        if line[0] == '':  # EV writes `is ''`; same meaning, without the SyntaxWarning of newer pythons
            continue
        boxes.append([float(line[0]), float(line[1]), float(line[2]), float(line[3]), float(line[4])])
    boxes = np.array(boxes)
    return img_file.split('/')[-1], boxes


def get_preds(pred_dir):  # EV:get_preds (tqdm dropped)
    events = os.listdir(pred_dir)
    boxes = dict()
    for event in events:
        event_dir = os.path.join(pred_dir, event)
        event_images = os.listdir(event_dir)
        current_event = dict()
        for imgtxt in event_images:
            imgname, _boxes = read_pred_file(os.path.join(event_dir, imgtxt))
            current_event[imgname.rstrip('.jpg')] = _boxes  # rstrip removes any trailing '.', 'j', 'p', 'g'
        boxes[event] = current_event
    return boxes


def get_preds_from_json(path):  # ours (EV reads txt only): the JSON of `retinaface-web detect`, boxes unrounded
    boxes = dict()
    for image in json.load(open(path)):
        parts = image['file'].replace('\\', '/').split('/')
        event, name = parts[-2], parts[-1].rsplit('.', 1)[0]
        rows = [[f['box']['x'], f['box']['y'], f['box']['width'], f['box']['height'], f['score']] for f in image['faces']]
        boxes.setdefault(event, dict())[name] = np.array(rows, dtype=float).reshape(-1, 5) if rows else np.array([])
    return boxes


def norm_score(pred):  # EV:norm_score, verbatim
    max_score = 0
    min_score = 1

    for _, k in pred.items():
        for _, v in k.items():
            if len(v) == 0:
                continue
            _min = np.min(v[:, -1])
            _max = np.max(v[:, -1])
            max_score = max(_max, max_score)
            min_score = min(_min, min_score)

    diff = max_score - min_score
    for _, k in pred.items():
        for _, v in k.items():
            if len(v) == 0:
                continue
            v[:, -1] = (v[:, -1] - min_score) / diff


def bbox_overlaps(boxes, query_boxes):  # BO:bbox_overlaps, the Cython loop as python (float64)
    N = boxes.shape[0]
    K = query_boxes.shape[0]
    overlaps = np.zeros((N, K), dtype=np.float64)
    for k in range(K):
        box_area = (
            (query_boxes[k, 2] - query_boxes[k, 0] + 1) *
            (query_boxes[k, 3] - query_boxes[k, 1] + 1)
        )
        for n in range(N):
            iw = (
                min(boxes[n, 2], query_boxes[k, 2]) -
                max(boxes[n, 0], query_boxes[k, 0]) + 1
            )
            if iw > 0:
                ih = (
                    min(boxes[n, 3], query_boxes[k, 3]) -
                    max(boxes[n, 1], query_boxes[k, 1]) + 1
                )
                if ih > 0:
                    ua = float(
                        (boxes[n, 2] - boxes[n, 0] + 1) *
                        (boxes[n, 3] - boxes[n, 1] + 1) +
                        box_area - iw * ih
                    )
                    overlaps[n, k] = iw * ih / ua
    return overlaps


def image_eval(pred, gt, ignore, iou_thresh):  # EV:image_eval, verbatim
    _pred = pred.copy()
    _gt = gt.copy()
    pred_recall = np.zeros(_pred.shape[0])
    recall_list = np.zeros(_gt.shape[0])
    proposal_list = np.ones(_pred.shape[0])

    _pred[:, 2] = _pred[:, 2] + _pred[:, 0]
    _pred[:, 3] = _pred[:, 3] + _pred[:, 1]
    _gt[:, 2] = _gt[:, 2] + _gt[:, 0]
    _gt[:, 3] = _gt[:, 3] + _gt[:, 1]

    overlaps = bbox_overlaps(_pred[:, :4], _gt)

    for h in range(_pred.shape[0]):
        gt_overlap = overlaps[h]
        max_overlap, max_idx = gt_overlap.max(), gt_overlap.argmax()
        if max_overlap >= iou_thresh:
            if ignore[max_idx] == 0:
                recall_list[max_idx] = -1
                proposal_list[h] = -1
            elif recall_list[max_idx] == 0:
                recall_list[max_idx] = 1

        r_keep_index = np.where(recall_list == 1)[0]
        pred_recall[h] = len(r_keep_index)
    return pred_recall, proposal_list


def img_pr_info(thresh_num, pred_info, proposal_list, pred_recall):  # EV:img_pr_info, verbatim
    pr_info = np.zeros((thresh_num, 2)).astype('float')
    for t in range(thresh_num):
        thresh = 1 - (t + 1) / thresh_num
        r_index = np.where(pred_info[:, 4] >= thresh)[0]
        if len(r_index) == 0:
            pr_info[t, 0] = 0
            pr_info[t, 1] = 0
        else:
            r_index = r_index[-1]
            p_index = np.where(proposal_list[:r_index + 1] == 1)[0]
            pr_info[t, 0] = len(p_index)
            pr_info[t, 1] = pred_recall[r_index]
    return pr_info


def dataset_pr_info(thresh_num, pr_curve, count_face):  # EV:dataset_pr_info, verbatim
    _pr_curve = np.zeros((thresh_num, 2))
    for i in range(thresh_num):
        _pr_curve[i, 0] = pr_curve[i, 1] / pr_curve[i, 0]
        _pr_curve[i, 1] = pr_curve[i, 1] / count_face
    return _pr_curve


def voc_ap(rec, prec):  # EV:voc_ap, verbatim
    mrec = np.concatenate(([0.], rec, [1.]))
    mpre = np.concatenate(([0.], prec, [0.]))
    for i in range(mpre.size - 1, 0, -1):
        mpre[i - 1] = np.maximum(mpre[i - 1], mpre[i])
    i = np.where(mrec[1:] != mrec[:-1])[0]
    ap = np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1])
    return ap


def evaluation(pred, gt_path, iou_thresh=0.5, all_images=False):  # EV:evaluation (+ SUBSET, see the header)
    pred = get_preds_from_json(pred) if pred.endswith('.json') else get_preds(pred)
    norm_score(pred)
    facebox_list, event_list, file_list, hard_gt_list, medium_gt_list, easy_gt_list = get_gt_boxes(gt_path)
    event_num = len(event_list)
    thresh_num = 1000
    setting_gts = [easy_gt_list, medium_gt_list, hard_gt_list]
    aps = []
    curves = []
    for setting_id in range(3):
        gt_list = setting_gts[setting_id]
        count_face = 0
        pr_curve = np.zeros((thresh_num, 2)).astype('float')
        for i in range(event_num):
            event_name = str(event_list[i][0][0])
            img_list = file_list[i][0]
            pred_list = pred.get(event_name, {})  # SUBSET (EV: pred[event_name])
            sub_gt_list = gt_list[i][0]
            gt_bbx_list = facebox_list[i][0]

            for j in range(len(img_list)):
                image_name = str(img_list[j][0][0])
                if image_name not in pred_list and not all_images:  # SUBSET
                    continue
                pred_info = pred_list.get(image_name, np.array([]))  # EV: pred_list[...]; --all-images: M's empty

                gt_boxes = gt_bbx_list[j][0].astype('float')
                keep_index = sub_gt_list[j][0]
                count_face += len(keep_index)

                if len(gt_boxes) == 0 or len(pred_info) == 0:
                    continue
                ignore = np.zeros(gt_boxes.shape[0])
                if len(keep_index) != 0:
                    ignore[keep_index - 1] = 1
                pred_recall, proposal_list = image_eval(pred_info, gt_boxes, ignore, iou_thresh)

                _img_pr_info = img_pr_info(thresh_num, pred_info, proposal_list, pred_recall)

                pr_curve += _img_pr_info
        pr_curve = dataset_pr_info(thresh_num, pr_curve, count_face)

        propose = pr_curve[:, 0]
        recall = pr_curve[:, 1]

        ap = voc_ap(recall, propose)
        aps.append(ap)
        nan_to_none = lambda a: [None if np.isnan(v) else float(v) for v in a]  # JSON has no NaN
        curves.append({'precision': nan_to_none(propose), 'recall': nan_to_none(recall), 'faces': count_face})

    return aps, curves


if __name__ == '__main__':
    parser = argparse.ArgumentParser()
    parser.add_argument('-p', '--pred', required=True)
    parser.add_argument('-g', '--gt', required=True)
    parser.add_argument('--all-images', action='store_true')
    parser.add_argument('--curves', help='write the PR curves as JSON to this file')
    args = parser.parse_args()
    with np.errstate(divide='ignore', invalid='ignore'):  # 0/0 precisions at the top thresholds, as in EV
        aps, curves = evaluation(args.pred, args.gt, all_images=args.all_images)
    print("==================== Results ====================")
    print("Easy   Val AP: {!r}".format(float(aps[0])))
    print("Medium Val AP: {!r}".format(float(aps[1])))
    print("Hard   Val AP: {!r}".format(float(aps[2])))
    print("=================================================")
    if args.curves:
        with open(args.curves, 'w') as f:
            json.dump(dict(zip(['easy', 'medium', 'hard'], curves)), f)
