/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by verify.c (aurmig test) and drift.c (drift at any revision). */
#ifndef AURMIG_VERIFY_PRIV_H
#define AURMIG_VERIFY_PRIV_H

#include "db/db.h"

/* Drop every table of a scratch database (libaurmig's own tables too). */
int aurmig__verify_empty_scratch(aurmig_conn *c);

#endif
