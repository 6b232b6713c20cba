import { AppError } from "../errors";
import { decodeChunks, type SafeXmlReader } from "./safe-xml";
import { easternToUtc, isoDateFromSec } from "./xml-records";

/**
 * What the EDGAR submission wrapper says about a filing. Two wrappers carry the same documents:
 * the archive's `{accession}.txt` (`<SEC-DOCUMENT>` + `<SEC-HEADER>` with `ACCESSION NUMBER:` lines and
 * `<ACCEPTANCE-DATETIME>`), and the feed's `.nc` (`<SUBMISSION>` with `<ACCESSION-NUMBER>`,
 * `<FILING-DATE>` tags and no closing tags on values).
 */
export interface SubmissionHeader {
  accession: string | null;
  submissionType: string | null;
  /** `YYYY-MM-DD`, the EDGAR filing date (filings after 17:30 ET get the next business day). */
  filedDate: string | null;
  /** Acceptance time (EDGAR clock, New York) as UTC, when the wrapper carries it (archive `.txt`). */
  acceptedAt: Date | null;
  periodOfReport: string | null;
}

export interface SubmissionDocument {
  /** EDGAR document type: `13F-HR`, `INFORMATION TABLE`, `4`, ... */
  type: string;
  filename: string | null;
}

/** Receives the documents of a submission as they stream past. */
export interface SubmissionSink {
  header(header: SubmissionHeader): void;
  /** Return false to skip the document (its XML is then not delivered). */
  documentStart(doc: SubmissionDocument): boolean;
  xml(text: string): void;
  documentEnd(doc: SubmissionDocument): void;
}

/** First characters of a file that is a whole submission rather than a bare XML document. */
export function looksLikeSubmission(head: string): boolean {
  const start = head.trimStart().slice(0, 40).toUpperCase();
  return start.startsWith("<SUBMISSION>") || start.startsWith("<SEC-DOCUMENT>");
}

const HEADER_CAP_CHARS = 4 * 1024 * 1024;

/** Reads header fields from the text before the first `<DOCUMENT>`, in either wrapper. */
export function parseSubmissionHeader(text: string): SubmissionHeader {
  const tag = (name: string) => new RegExp(`<${name}>([^<\\r\\n]*)`).exec(text)?.[1]?.trim() ?? null;
  const line = (name: string) => new RegExp(`${name}:[ \\t]*([^\\r\\n]+)`).exec(text)?.[1]?.trim() ?? null;
  const accession = tag("ACCESSION-NUMBER") ?? line("ACCESSION NUMBER");
  const submissionType = tag("TYPE") ?? line("CONFORMED SUBMISSION TYPE");
  const filedRaw = tag("FILING-DATE") ?? line("FILED AS OF DATE");
  const periodRaw = tag("PERIOD") ?? line("CONFORMED PERIOD OF REPORT");
  const acceptedRaw = tag("ACCEPTANCE-DATETIME");
  let acceptedAt: Date | null = null;
  const a = acceptedRaw ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(acceptedRaw) : null;
  if (a) acceptedAt = easternToUtc(`${a[1]}-${a[2]}-${a[3]}`, `${a[4]}:${a[5]}:${a[6]}`);
  return {
    accession,
    submissionType,
    filedDate: isoDateFromSec(filedRaw ?? undefined),
    acceptedAt,
    periodOfReport: isoDateFromSec(periodRaw ?? undefined),
  };
}

/**
 * Streams an EDGAR SGML submission, delivering the XML payload of each `<DOCUMENT>` (between `<XML>`
 * and `</XML>`) without holding the whole file: only the text between documents is buffered (capped),
 * and markers split across chunks are found by carrying a few characters over.
 */
export class SubmissionSplitter {
  private state: "outside" | "xml" = "outside";
  private buffer = "";
  private headerSeen = false;
  private current: SubmissionDocument | null = null;
  private deliver = false;

  constructor(
    private readonly sink: SubmissionSink,
    private readonly name: string,
  ) {}

  write(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      if (this.state === "outside") {
        if (!this.headerSeen) {
          const firstDoc = this.buffer.indexOf("<DOCUMENT>");
          if (firstDoc === -1) {
            if (this.buffer.length > HEADER_CAP_CHARS) {
              throw new AppError("PAYLOAD_TOO_LARGE", `${this.name}: submission header exceeds 4 MB`);
            }
            return;
          }
          this.sink.header(parseSubmissionHeader(this.buffer.slice(0, firstDoc)));
          this.headerSeen = true;
          this.buffer = this.buffer.slice(firstDoc);
        }
        const xmlAt = this.buffer.indexOf("<XML>");
        const endAt = this.buffer.indexOf("</DOCUMENT>");
        if (endAt !== -1 && (xmlAt === -1 || endAt < xmlAt)) {
          // A document without an XML payload (text exhibit): skip it.
          this.buffer = this.buffer.slice(endAt + "</DOCUMENT>".length);
          continue;
        }
        if (xmlAt === -1) {
          if (this.buffer.length > HEADER_CAP_CHARS) this.buffer = this.buffer.slice(-64 * 1024);
          return;
        }
        const preamble = this.buffer.slice(0, xmlAt);
        const docAt = preamble.lastIndexOf("<DOCUMENT>");
        const docText = docAt === -1 ? preamble : preamble.slice(docAt);
        this.current = {
          type: /<TYPE>([^<\r\n]*)/.exec(docText)?.[1]?.trim() ?? "",
          filename: /<FILENAME>([^<\r\n]*)/.exec(docText)?.[1]?.trim() ?? null,
        };
        this.deliver = this.sink.documentStart(this.current);
        this.state = "xml";
        // EDGAR puts a line break after `<XML>`; XML must start at `<?xml`, so drop leading whitespace.
        this.buffer = this.buffer.slice(xmlAt + "<XML>".length).replace(/^\s+/, "");
        continue;
      }
      const endAt = this.buffer.indexOf("</XML>");
      if (endAt === -1) {
        const keep = 5; // "</XML" could be split across chunks
        if (this.buffer.length > keep) {
          if (this.deliver) this.sink.xml(this.buffer.slice(0, this.buffer.length - keep));
          this.buffer = this.buffer.slice(this.buffer.length - keep);
        }
        return;
      }
      if (this.deliver && endAt > 0) this.sink.xml(this.buffer.slice(0, endAt));
      this.buffer = this.buffer.slice(endAt + "</XML>".length);
      if (this.current) this.sink.documentEnd(this.current);
      this.current = null;
      this.state = "outside";
    }
  }

  end(): void {
    if (this.state === "xml") {
      throw new AppError("INVALID_INPUT", `${this.name}: submission ends inside an XML document`);
    }
    if (!this.headerSeen) {
      throw new AppError("INVALID_INPUT", `${this.name}: no <DOCUMENT> found in submission`);
    }
  }
}

/** How `driveXml` hands documents to a parser. */
export interface XmlDocumentRouter {
  /** Called once for a wrapped submission, before its first document. */
  header?(header: SubmissionHeader): void;
  /** Which wrapped documents to parse (default: all). */
  accept?(doc: SubmissionDocument): boolean;
  /** A fresh reader for one XML document named `documentName`. */
  open(documentName: string): SafeXmlReader;
}

/**
 * Feeds a byte stream to XML readers: one reader for a bare XML document, or one per `<DOCUMENT>` of an
 * EDGAR submission wrapper (detected from the first characters). After each chunk, whatever the
 * readers' callbacks pushed into `out` is yielded, so memory stays bounded by one chunk's records.
 */
export async function* driveXml<T>(
  source: AsyncIterable<Uint8Array | string>,
  sourceName: string,
  router: XmlDocumentRouter,
  out: T[],
): AsyncGenerator<T> {
  let reader: SafeXmlReader | null = null;
  let splitter: SubmissionSplitter | null = null;
  let head = "";
  const route = (text: string) => {
    if (!reader && !splitter) {
      if (looksLikeSubmission(text)) {
        splitter = new SubmissionSplitter(
          {
            header: (h) => router.header?.(h),
            documentStart: (doc) => {
              if (router.accept && !router.accept(doc)) return false;
              reader = router.open(`${sourceName}#${doc.filename ?? doc.type}`);
              return true;
            },
            xml: (xml) => reader?.write(xml),
            documentEnd: () => {
              const done = reader;
              reader = null;
              done?.close();
            },
          },
          sourceName,
        );
      } else {
        reader = router.open(sourceName);
      }
    }
    if (splitter) splitter.write(text);
    else reader?.write(text);
  };
  try {
    for await (const chunk of decodeChunks(source)) {
      if (head !== null && !reader && !splitter) {
        // Decide bare XML vs wrapper on enough leading text, whatever the chunk size.
        head += chunk;
        if (head.trimStart().length < 64) continue;
        const text = head;
        head = "";
        route(text);
      } else {
        route(chunk);
      }
      if (out.length > 0) yield* out.splice(0);
    }
    if (!reader && !splitter && head.length > 0) route(head);
    if (splitter) (splitter as SubmissionSplitter).end();
    else (reader as SafeXmlReader | null)?.close();
  } finally {
    if (out.length > 0) yield* out.splice(0);
  }
}
