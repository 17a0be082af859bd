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
 *   schema                          what an index makes of a document
 *   index                           a built index, read-only accessors
 *   attrs                           its attribute columns
 *   words, streams, corpus          a document's words, postings being
 *                                   written, corpus lines
 *   deletes, snapshot               a segment's deleted documents; the
 *                                   segments a search sees at one moment
 *   build, load, import, merge      building an index, reading files in a
 *                                   thread ahead of it, both together,
 *                                   merging segments into one
 *   live                            the segments of an index that takes
 *                                   writes, and the writes
 *   query, filter, match, topk,     parsing and running a query and a
 *   sortk, facets, search, snippet  filter, keeping the best hits or the
 *                                   first in a sort order, counting
 *                                   facets, cutting snippets
 */
#ifndef SEARCHD_ENGINE_H
#define SEARCHD_ENGINE_H

#include "attrs.h"
#include "deletes.h"
#include "facets.h"
#include "filter.h"
#include "import.h"
#include "index.h"
#include "live.h"
#include "merge.h"
#include "query.h"
#include "search.h"
#include "schema.h"
#include "snapshot.h"
#include "snippet.h"
#include "sortk.h"

#endif
