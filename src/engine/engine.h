/*
 * engine.h: the search engine, src/engine, as the daemon and the tools see
 * it.  The engine owns the index in memory: it reads corpus files, builds
 * the index, parses queries, runs them and cuts snippets, and returns
 * document numbers and scores for the caller to render.  It knows nothing
 * of sockets, the wire protocol or JSON replies, and calls only src/common
 * (whose stem.h wraps libstemmer) and its libraries (utf8proc, json-c).
 *
 * Its files depend on each other bottom-up, never the other way:
 *   hash.h, tokenize, postings      the leaves
 *   index                           a built index, read-only accessors
 *   words, streams, corpus          a document's words, postings being
 *                                   written, corpus lines
 *   deletes, snapshot               a segment's deleted documents; the
 *                                   segments a search sees at one moment
 *   build, load, import, merge      building an index, reading files in a
 *                                   thread ahead of it, both together,
 *                                   merging segments into one
 *   live                            the segments of an index that takes
 *                                   writes, and the writes
 *   query, match, topk, search,     parsing and running a query, keeping
 *   snippet                         the best hits, cutting their snippets
 */
#ifndef SEARCHD_ENGINE_H
#define SEARCHD_ENGINE_H

#include "deletes.h"
#include "import.h"
#include "index.h"
#include "live.h"
#include "merge.h"
#include "query.h"
#include "search.h"
#include "snapshot.h"
#include "snippet.h"

#endif
