import { CocoFormatError } from './coco-format-error';
import { isRecord, parseJsonText, readBox, readFlag, readNumber, type Issues } from './internal/json-fields';
import type { CocoAnnotation, CocoCategory, CocoGroundTruth, CocoImage } from './types';

/** Options of {@link parseCocoGroundTruth}. */
export interface ParseGroundTruthOptions {
  /**
   * Dataset-reader checks on top of the structural ones: every image has `file_name`, `width` and
   * `height`; every box has positive size and lies inside its image (up to `boxTolerance`). Default false.
   */
  strict?: boolean;
  /** Pixels a box may stick out of its image in strict mode (rounding in real datasets). Default 1. */
  boxTolerance?: number;
}

/**
 * Validates a COCO ground-truth object (parsed JSON or a JSON string) and returns a normalised copy.
 * Always checked: the three arrays, required fields, finite numbers, integer ids, duplicate image /
 * annotation / category ids, annotations pointing at unknown images or categories, negative box
 * sizes. All problems are reported together in one {@link CocoFormatError}.
 */
export function parseCocoGroundTruth(json: unknown, options: ParseGroundTruthOptions = {}): CocoGroundTruth {
  const strict = options.strict ?? false;
  const tolerance = options.boxTolerance ?? 1;
  const data = typeof json === 'string' ? parseJsonText(json, 'COCO ground truth') : json;
  const issues: Issues = [];
  if (!isRecord(data)) throw new CocoFormatError('COCO ground truth', ['expected an object with images, annotations, categories']);
  for (const key of ['images', 'annotations', 'categories']) {
    if (!Array.isArray(data[key])) issues.push(`'${key}' must be an array, got ${data[key] === undefined ? 'nothing' : typeof data[key]}`);
  }
  if (issues.length > 0) throw new CocoFormatError('COCO ground truth', issues);

  const images = new Map<number, CocoImage>();
  (data.images as unknown[]).forEach((raw, index) => {
    const where = `images[${index}]`;
    if (!isRecord(raw)) return void issues.push(`${where}: expected an object`);
    const id = readNumber(raw, 'id', where, issues, { integer: true });
    const at = id === undefined ? where : `image id ${id}`;
    const width = readNumber(raw, 'width', at, issues, { optional: !strict });
    const height = readNumber(raw, 'height', at, issues, { optional: !strict });
    const fileName = raw.file_name;
    if (fileName !== undefined && typeof fileName !== 'string') issues.push(`${at}: 'file_name' must be a string`);
    else if (strict && (fileName === undefined || fileName === '')) issues.push(`${at}: missing field 'file_name'`);
    if (width !== undefined && width <= 0) issues.push(`${at}: 'width' must be positive, got ${width}`);
    if (height !== undefined && height <= 0) issues.push(`${at}: 'height' must be positive, got ${height}`);
    if (id === undefined) return;
    if (images.has(id)) return void issues.push(`${where}: duplicate image id ${id}`);
    const image: CocoImage = { id };
    if (typeof fileName === 'string') image.file_name = fileName;
    if (width !== undefined) image.width = width;
    if (height !== undefined) image.height = height;
    images.set(id, image);
  });

  const categories = new Map<number, CocoCategory>();
  (data.categories as unknown[]).forEach((raw, index) => {
    const where = `categories[${index}]`;
    if (!isRecord(raw)) return void issues.push(`${where}: expected an object`);
    const id = readNumber(raw, 'id', where, issues, { integer: true });
    if (id === undefined) return;
    if (categories.has(id)) return void issues.push(`${where}: duplicate category id ${id}`);
    const category: CocoCategory = { id, name: typeof raw.name === 'string' ? raw.name : String(id) };
    if (typeof raw.supercategory === 'string') category.supercategory = raw.supercategory;
    categories.set(id, category);
  });

  const annotations: CocoAnnotation[] = [];
  const annotationIds = new Set<number>();
  (data.annotations as unknown[]).forEach((raw, index) => {
    const where0 = `annotations[${index}]`;
    if (!isRecord(raw)) return void issues.push(`${where0}: expected an object`);
    const id = readNumber(raw, 'id', where0, issues, { integer: true });
    const where = id === undefined ? where0 : `annotation id ${id}`;
    const imageId = readNumber(raw, 'image_id', where, issues, { integer: true });
    const categoryId = readNumber(raw, 'category_id', where, issues, { integer: true });
    const bbox = readBox(raw, where, issues);
    const area = readNumber(raw, 'area', where, issues, { optional: true });
    const iscrowd = readFlag(raw, 'iscrowd', where, issues);
    const ignore = readFlag(raw, 'ignore', where, issues);
    let ok = id !== undefined && imageId !== undefined && categoryId !== undefined && bbox !== undefined;
    if (id !== undefined) {
      if (annotationIds.has(id)) {
        issues.push(`${where0}: duplicate annotation id ${id}`);
        ok = false;
      }
      annotationIds.add(id);
    }
    const image = imageId === undefined ? undefined : images.get(imageId);
    if (imageId !== undefined && !image) {
      issues.push(`${where}: unknown image_id ${imageId}`);
      ok = false;
    }
    if (categoryId !== undefined && !categories.has(categoryId)) {
      issues.push(`${where}: unknown category_id ${categoryId}`);
      ok = false;
    }
    if (bbox) {
      const [x, y, w, h] = bbox;
      if (w < 0 || h < 0) {
        issues.push(`${where}: negative box size [${bbox.join(', ')}]`);
        ok = false;
      } else if (strict && (w === 0 || h === 0)) {
        issues.push(`${where}: empty box [${bbox.join(', ')}]`);
        ok = false;
      } else if (strict && image && image.width !== undefined && image.height !== undefined) {
        const t = tolerance;
        if (x < -t || y < -t || x + w > image.width + t || y + h > image.height + t) {
          issues.push(`${where}: box [${bbox.join(', ')}] lies outside image id ${image.id} (${image.width}x${image.height})`);
          ok = false;
        }
      }
    }
    if (area !== undefined && area < 0) {
      issues.push(`${where}: negative area ${area}`);
      ok = false;
    }
    if (!ok) return;
    annotations.push({
      id: id!,
      image_id: imageId!,
      category_id: categoryId!,
      bbox: bbox!,
      area: area ?? bbox![2] * bbox![3],
      iscrowd,
      ignore,
    });
  });

  if (issues.length > 0) throw new CocoFormatError('COCO ground truth', issues);
  return { images: [...images.values()], annotations, categories: [...categories.values()] };
}
