// Package qdpx writes a project's transcripts, codebook and coded units as
// a REFI-QDA project (.qdpx: project.qde plus one text file per source),
// the exchange format NVivo, ATLAS.ti and MAXQDA import, valid against the
// standard's Project.xsd (kept in testdata). Read reads one back, for tests
// and for checking an export.
//
//	store (transcripts, confirmed units, decisions) + codebook -> buildQDE -> Write -> .qdpx
package qdpx
