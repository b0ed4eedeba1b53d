/** A COCO box `[x, y, width, height]` in pixels, origin at the top-left corner of the image. */
export type CocoBox = [number, number, number, number];

/** One entry of a COCO `images` array, as read from JSON (unknown fields are ignored at runtime). */
export interface CocoImageJson {
  id: number;
  file_name?: string;
  width?: number;
  height?: number;
  license?: number;
  coco_url?: string;
  flickr_url?: string;
  date_captured?: string;
}

/** One entry of a COCO `annotations` array, as read from JSON (`area`, `iscrowd`, `ignore` optional). */
export interface CocoAnnotationJson {
  id: number;
  image_id: number;
  category_id: number;
  bbox: readonly number[];
  area?: number;
  iscrowd?: number | boolean;
  ignore?: number | boolean;
  segmentation?: unknown;
}

/** One entry of a COCO `categories` array, as read from JSON. */
export interface CocoCategoryJson {
  id: number;
  name?: string;
  supercategory?: string;
}

/** A COCO ground-truth (instances) file, as read from JSON. */
export interface CocoGroundTruthJson {
  images: readonly CocoImageJson[];
  annotations: readonly CocoAnnotationJson[];
  categories: readonly CocoCategoryJson[];
  info?: unknown;
  licenses?: unknown;
}

/** A validated image entry; `width`/`height` are present when the source had them. */
export interface CocoImage {
  id: number;
  file_name?: string;
  width?: number;
  height?: number;
}

/** A validated annotation: `area` defaults to `w*h`, `iscrowd`/`ignore` are normalised to 0 or 1. */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: CocoBox;
  area: number;
  iscrowd: 0 | 1;
  ignore: 0 | 1;
}

/** A validated category. */
export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

/** Validated COCO ground truth, as returned by `parseCocoGroundTruth`. */
export interface CocoGroundTruth {
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** One detection in the COCO results format (`[{image_id, category_id, bbox, score}]`). */
export interface CocoDetection {
  image_id: number;
  category_id: number;
  bbox: CocoBox;
  score: number;
}

/** A detection as read from JSON (`bbox` any number array; validated by `loadCocoDetections`). */
export interface CocoDetectionJson {
  image_id: number;
  category_id: number;
  bbox: readonly number[];
  score: number;
}
