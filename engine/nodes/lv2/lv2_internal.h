// Copyright 2026 The dspengine authors
// SPDX-License-Identifier: ISC

#ifndef DSP_LV2_INTERNAL_H
#define DSP_LV2_INTERNAL_H

/**
   @file lv2_internal.h
   Private types of the LV2 node kind, shared by its source files:

   - world.c:     the lilv world, URID map and plugin lookup
   - lv2_node.c:  instantiate/connect/activate/state/free (control thread)
   - worker.c:    the worker thread (non-real-time)
   - lv2_rt.c:    run, schedule_work, respond and log (audio thread)
*/

#include "nodes/lv2/lv2.h"
#include "rt/ring.h"

#include <lilv/lilv.h>
#include <lv2/atom/atom.h>
#include <lv2/log/log.h>
#include <lv2/options/options.h>
#include <lv2/urid/urid.h>
#include <lv2/worker/worker.h>

#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/// Capacity of each atom port buffer in bytes (or rsz:minimumSize if larger)
#define DSP_LV2_ATOM_CAPACITY 8192U

/// Bytes of each worker ring (requests and responses)
#define DSP_LV2_WORKER_RING_SIZE 65536U

/// Largest text of one log message from the audio thread
#define DSP_LV2_LOG_TEXT 248U

/// Number of log messages the audio thread can queue between flushes
#define DSP_LV2_LOG_QUEUE 32U

/// LilvNodes and URIDs the LV2 code needs, made once per world.
typedef struct {
  LilvNode* lv2_InputPort;          ///< lv2:InputPort
  LilvNode* lv2_OutputPort;         ///< lv2:OutputPort
  LilvNode* lv2_AudioPort;          ///< lv2:AudioPort
  LilvNode* lv2_CVPort;             ///< lv2:CVPort
  LilvNode* lv2_ControlPort;        ///< lv2:ControlPort
  LilvNode* lv2_connectionOptional; ///< lv2:connectionOptional
  LilvNode* lv2_toggled;            ///< lv2:toggled
  LilvNode* lv2_integer;            ///< lv2:integer
  LilvNode* lv2_sampleRate;         ///< lv2:sampleRate (port property)
  LilvNode* lv2_optionalFeature;    ///< lv2:optionalFeature
  LilvNode* atom_AtomPort;          ///< atom:AtomPort
  LilvNode* pprops_logarithmic;     ///< port-props:logarithmic
  LilvNode* rsz_minimumSize;        ///< resize-port:minimumSize
  LilvNode* units_unit;             ///< units:unit
  LilvNode* units_symbol;           ///< units:symbol
  LilvNode* state_loadDefaultState; ///< state:loadDefaultState
  LilvNode* worker_interface;       ///< worker:interface
  LilvNode* state_interface;        ///< state:interface
} DspLv2Nodes;

/// URIDs used on the audio thread (mapped once when the world is made).
typedef struct {
  LV2_URID atom_Chunk;         ///< atom:Chunk
  LV2_URID atom_Sequence;      ///< atom:Sequence
  LV2_URID atom_Float;         ///< atom:Float
  LV2_URID atom_Double;        ///< atom:Double
  LV2_URID atom_Int;           ///< atom:Int
  LV2_URID atom_Long;          ///< atom:Long
  LV2_URID atom_Bool;          ///< atom:Bool
  LV2_URID log_Error;          ///< log:Error
  LV2_URID log_Warning;        ///< log:Warning
  LV2_URID log_Note;           ///< log:Note
  LV2_URID log_Trace;          ///< log:Trace
  LV2_URID param_sampleRate;   ///< param:sampleRate
  LV2_URID bufsz_minBlock;     ///< buf-size:minBlockLength
  LV2_URID bufsz_maxBlock;     ///< buf-size:maxBlockLength
  LV2_URID bufsz_nominalBlock; ///< buf-size:nominalBlockLength
  LV2_URID bufsz_sequenceSize; ///< buf-size:sequenceSize
} DspLv2Urids;

/// The URID table: URI strings indexed by URID - 1, plus a hash index.
typedef struct {
  pthread_mutex_t lock;    ///< Taken by map and unmap (never on the RT path)
  char**          uris;    ///< URI of URID i + 1 (owned)
  uint32_t        n_uris;  ///< Number of mapped URIs
  uint32_t        cap;     ///< Allocated length of `uris`
  uint32_t*       slots;   ///< Open-addressing hash: URID or 0 for empty
  uint32_t        n_slots; ///< Length of `slots`, a power of two
} DspLv2UridTable;

struct DspLv2WorldImpl {
  LilvWorld*      lilv;       ///< Every bundle on LV2_PATH
  DspLv2Nodes     nodes;      ///< Frequently used LilvNodes
  DspLv2Urids     urids;      ///< Frequently used URIDs
  DspLv2UridTable table;      ///< URID map storage
  LV2_URID_Map    map;        ///< urid:map feature data (handle = this)
  LV2_URID_Unmap  unmap;      ///< urid:unmap feature data (handle = this)
  bool            trace;      ///< Print log:Trace messages (DSP_LV2_TRACE set)
  bool            all_loaded; ///< Every bundle on LV2_PATH is loaded
};

/// Map a URI with the world's map (control thread only).
LV2_URID dsp_lv2_world_map_uri(DspLv2World* world, const char* uri);

/**
   Write suggestions for an unknown plugin `uri` into `buf`.

   Writes " (did you mean <a>, <b>?)" with close plugin URIs (by edit
   distance or by name/URI substring), or an empty string if none are close.
*/
void dsp_lv2_world_suggest(const DspLv2World* world,
                           const char*        uri,
                           char*              buf,
                           size_t             size);

/// The worker of one node: rings, thread and the plugin's interface.
typedef struct {
  const LV2_Worker_Interface* iface;        ///< Plugin's worker interface
  LV2_Handle                  handle;       ///< Plugin instance handle
  DspRing*                    requests;     ///< schedule_work -> worker
  DspRing*                    responses;    ///< respond -> run
  void*                       request_buf;  ///< One request (worker side)
  void*                       response_buf; ///< One response (RT side)
  uint32_t                    max_record;   ///< Largest payload in bytes
  bool                        threaded;     ///< Work in `thread`
  bool                        started;      ///< `thread` and `sem` are live
  atomic_bool                 exit;         ///< Tells `thread` to stop
  sem_t                       sem;          ///< Posted once per request
  pthread_t                   thread;       ///< Worker thread
  pthread_mutex_t             work_lock;    ///< Excludes work and restore
} DspLv2Worker;

/// Allocate the rings and buffers of `worker` (all or nothing).
/// Write LV2_PATH, or lilv's default search path, to `buf`.
void dsp_lv2_search_path(char* buf, size_t size);

/**
   Check that the bundle and binary of `plugin`, with symbolic links
   resolved, lie inside a directory on the LV2 search path (lv2_path.c).
   Fails with DSP_ERR_PLUGIN naming the file.
*/
DspStatus dsp_lv2_check_plugin_paths(const DspLv2World* world,
                                     const LilvPlugin*  plugin,
                                     const char*        json_path,
                                     DspError*          err);

DspStatus dsp_lv2_worker_init(DspLv2Worker* worker, bool threaded);

/// Start the thread (threaded mode) once the plugin's interface is known.
DspStatus dsp_lv2_worker_start(DspLv2Worker*               worker,
                               const LV2_Worker_Interface* iface,
                               LV2_Handle                  handle);

/// Stop the thread and free everything (after a successful init).
void dsp_lv2_worker_cleanup(DspLv2Worker* worker);

/// [RT] LV2_Worker_Schedule::schedule_work (handle is a DspLv2Worker).
LV2_Worker_Status dsp_lv2_worker_schedule(LV2_Worker_Schedule_Handle handle,
                                          uint32_t                   size,
                                          const void*                data);

/// [RT] The respond function passed to LV2_Worker_Interface::work.
LV2_Worker_Status dsp_lv2_worker_respond(LV2_Worker_Respond_Handle handle,
                                         uint32_t                  size,
                                         const void*               data);

/// [RT] Deliver the responses queued when the cycle began.
void dsp_lv2_worker_deliver(DspLv2Worker* worker);

/// A fixed-size log record queued by the audio thread.
typedef struct {
  LV2_URID type;                   ///< log:Error, log:Warning, ...
  char     text[DSP_LV2_LOG_TEXT]; ///< Formatted, NUL-terminated
} DspLv2LogRecord;

/// How a plugin port is used.
typedef enum {
  DSP_LV2_PORT_AUDIO,   ///< Audio: a DspNode input or output
  DSP_LV2_PORT_CV,      ///< CV: a DspNode input or output with is_cv
  DSP_LV2_PORT_CONTROL, ///< Control: a DspNode parameter
  DSP_LV2_PORT_ATOM,    ///< Atom sequence: internal buffer
  DSP_LV2_PORT_NONE,    ///< Unknown optional port: connected to NULL
} DspLv2PortKind;

/// Kind data of an "lv2" node (DspNode::impl).
typedef struct {
  DspNode*          node;       ///< Node this belongs to (not owned)
  DspLv2World*      world;      ///< World the plugin is from (not owned)
  const LilvPlugin* plugin;     ///< Plugin description (owned by world)
  LilvInstance*     instance;   ///< Plugin instance
  uint32_t          n_ports;    ///< Number of plugin ports
  uint32_t          max_block;  ///< Largest run() length
  DspLv2PortKind*   kinds;      ///< Kind of each plugin port
  bool*             is_input;   ///< Direction of each plugin port
  float*            controls;   ///< Value of each port (control ports only)
  float*            audio;      ///< Internal buffers, max_block per port
  uint32_t*         in_index;   ///< Plugin port of each DspNode input
  uint32_t*         out_index;  ///< Plugin port of each DspNode output
  uint8_t*          atoms;      ///< Atom port buffers, atom_cap each
  uint32_t          atom_cap;   ///< Bytes per atom buffer
  uint32_t          n_atoms;    ///< Number of atom ports
  uint32_t*         atom_index; ///< Plugin port of each atom buffer
  bool              has_state;  ///< Plugin has state:interface

  float   opt_sample_rate; ///< param:sampleRate option value
  int32_t opt_min_block;   ///< buf-size:minBlockLength option value
  int32_t opt_max_block;   ///< buf-size:maxBlockLength option value
  int32_t opt_seq_size;    ///< buf-size:sequenceSize option value

  LV2_Options_Option  options[6];    ///< Options, zero-terminated
  LV2_Log_Log         log;           ///< log:log feature data
  LV2_Worker_Schedule schedule;      ///< worker:schedule feature data
  LV2_Feature         f_map;         ///< urid:map
  LV2_Feature         f_unmap;       ///< urid:unmap
  LV2_Feature         f_options;     ///< options:options
  LV2_Feature         f_bounded;     ///< buf-size:boundedBlockLength
  LV2_Feature         f_log;         ///< log:log
  LV2_Feature         f_schedule;    ///< worker:schedule
  LV2_Feature         f_default;     ///< state:loadDefaultState
  const LV2_Feature*  features[8];   ///< For instantiate, NULL-terminated
  const LV2_Feature*  state_feat[5]; ///< For state save/restore

  DspLv2Worker worker;     ///< Worker (if the plugin has one)
  bool         has_worker; ///< `worker` is initialised

  /// Neither a worker nor atom ports: run() is the plugin's run() alone
  bool plain;
  void (*run)(LV2_Handle handle, uint32_t n_frames); ///< Descriptor's run
  LV2_Handle  handle;      ///< The instance's handle, for `run`
  DspRing*    log_ring;    ///< Log records from the audio thread
  atomic_uint log_dropped; ///< Records lost because the ring was full
} DspLv2Node;

/// True while the calling thread is inside an LV2 node's run().
extern _Thread_local bool dsp_lv2_in_run;

/// [RT] Queue a log message from run() for dsp_lv2_node_flush_log().
int dsp_lv2_log_queue(DspLv2Node* self,
                      LV2_URID    type,
                      const char* fmt,
                      va_list     ap) __attribute__((format(printf, 3, 0)));

/// LV2_Log_Log::vprintf (handle is a DspLv2Node; lv2_log.c).
int dsp_lv2_log_vprintf(LV2_Log_Handle handle,
                        LV2_URID       type,
                        const char*    fmt,
                        va_list ap) __attribute__((format(printf, 3, 0)));

/// LV2_Log_Log::printf (handle is a DspLv2Node).
int dsp_lv2_log_printf(LV2_Log_Handle handle,
                       LV2_URID       type,
                       const char*    fmt,
                       ...) __attribute__((format(printf, 3, 4)));

/// Restore the plugin's default state (state:loadDefaultState), if any.
void dsp_lv2_state_load_default(DspLv2Node* self);

/// DspNodeClass::save_state of the "lv2" kind (lv2_state.c).
DspStatus dsp_lv2_state_save(DspNode* node, char** state);

/// DspNodeClass::restore_state of the "lv2" kind (lv2_state.c).
DspStatus dsp_lv2_state_restore(DspNode* node, const char* state);

/// [RT] DspNodeClass::run of the "lv2" kind.
void dsp_lv2_node_run(DspNode* node, uint32_t n_frames);

/// [RT] Connect an audio/CV port (DspNodeClass::connect); NULL: the node's
/// own buffer.  Only lilv_instance_connect_port(), which LV2 puts in the
/// audio threading class.
void dsp_lv2_node_connect(DspNode*   node,
                          DspPortDir dir,
                          uint32_t   index,
                          float*     buf);

#endif // DSP_LV2_INTERNAL_H
