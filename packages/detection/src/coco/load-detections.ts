import { CocoFormatError } from './coco-format-error';
import { isRecord, parseJsonText, readBox, readNumber, type Issues } from './internal/json-fields';
import type { CocoDetection, CocoGroundTruth } from './types';

/**
 * Validates detections in the COCO results format (parsed JSON or a JSON string) against the
 * ground truth they will be scored on: every entry needs `image_id`, `category_id`, `bbox` and
 * `score`, all finite, a non-negative box size, and ids that exist in `gt`. Returns clean copies in
 * input order (the order matters for score ties). All problems are reported in one {@link CocoFormatError}.
 */
export function loadCocoDetections(json: unknown, gt: Pick<CocoGroundTruth, 'images' | 'categories'>): CocoDetection[] {
  const data = typeof json === 'string' ? parseJsonText(json, 'COCO detections') : json;
  if (!Array.isArray(data)) {
    throw new CocoFormatError('COCO detections', ['expected an array of {image_id, category_id, bbox, score}']);
  }
  const imageIds = new Set(gt.images.map((im) => im.id));
  const categoryIds = new Set(gt.categories.map((c) => c.id));
  const issues: Issues = [];
  const out: CocoDetection[] = [];
  data.forEach((raw, index) => {
    const where = `detections[${index}]`;
    if (!isRecord(raw)) return void issues.push(`${where}: expected an object`);
    const imageId = readNumber(raw, 'image_id', where, issues, { integer: true });
    const categoryId = readNumber(raw, 'category_id', where, issues, { integer: true });
    const bbox = readBox(raw, where, issues);
    const score = readNumber(raw, 'score', where, issues);
    let ok = imageId !== undefined && categoryId !== undefined && bbox !== undefined && score !== undefined;
    if (imageId !== undefined && !imageIds.has(imageId)) {
      issues.push(`${where}: unknown image_id ${imageId} (not in the ground truth images)`);
      ok = false;
    }
    if (categoryId !== undefined && !categoryIds.has(categoryId)) {
      issues.push(`${where}: unknown category_id ${categoryId} (not in the ground truth categories)`);
      ok = false;
    }
    if (bbox && (bbox[2] < 0 || bbox[3] < 0)) {
      issues.push(`${where}: negative box size [${bbox.join(', ')}]`);
      ok = false;
    }
    if (ok) out.push({ image_id: imageId!, category_id: categoryId!, bbox: bbox!, score: score! });
  });
  if (issues.length > 0) throw new CocoFormatError('COCO detections', issues);
  return out;
}
