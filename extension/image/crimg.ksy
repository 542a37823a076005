meta:
  id: crimg
  title: Checkpoint/Restart Lab checkpoint image, revision 1
  file-extension: crimg
  license: MIT
  endian: le
doc: |
  The record stream of a `.crimg` checkpoint image (image-format.md, revision 1), after the
  2008 Linux checkpoint/restart patchset (RFC v7 `struct cr_hdr`). Every record is an 8-byte
  header followed by `len` payload bytes; the only bytes outside that framing are the page
  arrays that follow a PGARR record with `nr_pages > 0`.

  This spec describes the layout and the rules Kaitai can express (magics, enums, pads,
  ranges, counts tied to lengths). Rules that need the stream context (record order, parents,
  TREE, VMA and FD rules, 2^53 bounds) are checked by the project's reader and listed in the
  `doc` of the field they constrain.

  A single record, with its page data, parses on its own as type `record`.
seq:
  - id: records
    type: record
    repeat: eos
    doc: The records of the image, HEAD first, TAIL (or ERROR + STRING) last.
types:
  record:
    doc: One record, parseable on its own; PGARR carries its page arrays after the payload.
    seq:
      - id: hdr
        type: record_header
      - id: body
        size: hdr.len
        doc: The payload, `hdr.len` bytes, decoded by `hdr.type`.
        type:
          switch-on: hdr.type
          cases:
            'record_type::head': head
            'record_type::string': text
            'record_type::fname': fname
            'record_type::lsm_info': lsm_info
            'record_type::task': task
            'record_type::cpu': cpu
            'record_type::tree': tree
            'record_type::cred': cred
            'record_type::groupinfo': groupinfo
            'record_type::security': security
            'record_type::mm': mm
            'record_type::vma': vma
            'record_type::pgarr': pgarr
            'record_type::files': files
            'record_type::fd_ent': fd_ent
            'record_type::fd_data': fd_data
            'record_type::tail': tail
            'record_type::sign': sign
            'record_type::error': error_marker
      - id: addrs
        type: u8
        repeat: expr
        repeat-expr: body.as<pgarr>.nr_pages
        if: hdr.type == record_type::pgarr
        doc: |
          Virtual addresses of the pages that follow, outside the record framing: page aligned,
          inside the current VMA, strictly ascending across all chunks of that VMA.
      - id: pages
        size: 4096
        repeat: expr
        repeat-expr: body.as<pgarr>.nr_pages
        if: hdr.type == record_type::pgarr
        doc: The page contents, 4096 bytes each, in the order of `addrs`.
  record_header:
    doc: The 8-byte record header (`struct cr_hdr`).
    seq:
      - id: type
        type: s2
        enum: record_type
        valid:
          in-enum: true
        doc: Record type; any value not in `record_type` is invalid.
      - id: len
        type: s2
        valid:
          expr: '_ >= 0 and (fixed_len < 0 or _ == fixed_len)'
        doc: |
          Payload length in bytes, header excluded, 0..32767; equal to the table's size for
          fixed-size records. Variable ranges: STRING 1..4096, FNAME 2..4096, TREE 8 + 24n
          (n 1..1364), GROUPINFO 8 + 4n (n 1..8189), SECURITY 10..1032, SIGN 8 + k + s.
      - id: parent
        type: u4
        doc: |
          Owner: 0 for image-level records (HEAD, LSM_INFO, TREE, SIGN, TAIL, ERROR and the STRING
          after ERROR), the task's vpid for task records, the file objref for FD_DATA and for the
          FNAME and SECURITY that follow it.
    instances:
      fixed_len:
        doc: The fixed payload size of this record type, or -1 for variable-size records.
        value: |
          type == record_type::head ? 224 :
          type == record_type::lsm_info ? 16 :
          type == record_type::task ? 24 :
          type == record_type::cpu ? 160 :
          type == record_type::cred ? 72 :
          type == record_type::mm ? 96 :
          type == record_type::vma ? 48 :
          type == record_type::pgarr ? 8 :
          type == record_type::files ? 8 :
          type == record_type::fd_ent ? 16 :
          type == record_type::fd_data ? 24 :
          type == record_type::tail ? 8 :
          type == record_type::error ? 0 :
          -1
  head:
    doc: HEAD (type 1, 224 bytes), the image header (`cr_hdr_head`).
    seq:
      - id: magic
        contents: [0x00, 0xd2, 0xa2, 0xc0, 0x0c, 0xed, 0xfe, 0x00]
        doc: CHECKPOINT_MAGIC_HEAD 0x00feed0cc0a2d200.
      - id: major
        type: u2
        valid: 2
        doc: Kernel version, major.
      - id: minor
        type: u2
        valid: 6
        doc: Kernel version, minor.
      - id: patch
        type: u2
        valid: 27
        doc: Kernel version, patch level.
      - id: rev
        type: u2
        valid: 1
        doc: Format revision.
      - id: time
        type: u8
        doc: Seconds since the epoch on the emulated clock; below 2^53.
      - id: flags
        type: u8
        doc: |
          Bit 0 CKPT (must be set), bit 1 SUBTREE, bit 2 SELF (implies SUBTREE), bit 3 SIGNED;
          no other bit.
      - id: release
        type: strz
        size: 64
        encoding: UTF-8
        doc: '`uname -r`: UTF-8, then NUL, then only NULs.'
      - id: version
        type: strz
        size: 64
        encoding: UTF-8
        doc: '`uname -v`: UTF-8, then NUL, then only NULs.'
      - id: machine
        type: strz
        size: 64
        encoding: UTF-8
        doc: Must be `lab64`.
    instances:
      is_ckpt:
        value: (flags & 1) != 0
        doc: HEAD.flags bit 0 CKPT.
      is_subtree:
        value: (flags & 2) != 0
        doc: HEAD.flags bit 1 SUBTREE, the image is not a whole container.
      is_self:
        value: (flags & 4) != 0
        doc: HEAD.flags bit 2 SELF, the caller checkpointed itself.
      is_signed:
        value: (flags & 8) != 0
        doc: HEAD.flags bit 3 SIGNED, a SIGN record precedes TAIL.
  text:
    doc: STRING (type 2, 1..4096 bytes), UTF-8 text whose last byte is its only NUL.
    seq:
      - id: value
        type: strz
        size-eos: true
        encoding: UTF-8
        doc: The text (task comm, or the message after ERROR).
  fname:
    doc: FNAME (type 3, 2..4096 bytes), an absolute path whose last byte is its only NUL.
    seq:
      - id: value
        type: strz
        size-eos: true
        encoding: UTF-8
        doc: |
          Absolute path: no empty, `.` or `..` component, no trailing `/` (except `/` itself),
          components of at most 255 bytes.
  lsm_info:
    doc: LSM_INFO (type 4, 16 bytes), the LSM active at checkpoint.
    seq:
      - id: lsm_name
        type: strz
        size: 16
        encoding: UTF-8
        doc: '`none`, `dummy` or `label`.'
  task:
    doc: TASK (type 101, 24 bytes); a STRING of task_comm_len + 1 bytes (the comm) follows.
    seq:
      - id: state
        type: u4
        enum: task_state
        valid:
          in-enum: true
        doc: Run state at checkpoint.
      - id: exit_state
        type: u4
        valid: 0
        doc: Always 0, zombies are never checkpointed.
      - id: exit_code
        type: u4
        valid: 0
        doc: Always 0.
      - id: exit_signal
        type: u4
        valid: 0
        doc: Always 0.
      - id: task_comm_len
        type: s4
        valid:
          min: 0
          max: 4095
        doc: Byte length of the comm STRING without its NUL.
      - id: flags
        type: u4
        valid:
          expr: (_ & ~3) == 0
        doc: Bit 0 DUMPABLE, bit 1 SUPERPRIV.
    instances:
      is_dumpable:
        value: (flags & 1) != 0
        doc: TASK.flags bit 0 DUMPABLE.
      is_superpriv:
        value: (flags & 2) != 0
        doc: TASK.flags bit 1 SUPERPRIV.
  cpu:
    doc: CPU (type 103, 160 bytes), the lab64 registers.
    seq:
      - id: pc
        type: u8
        doc: Index of the next lab instruction; below 2^53.
      - id: sp
        type: u8
        doc: Stack pointer; below 2^53.
      - id: flags
        type: u8
        doc: CPU flags; below 2^53.
      - id: orig_ax
        type: u8
        doc: The system call number being executed; below 2^53.
      - id: regs
        type: s8
        repeat: expr
        repeat-expr: 16
        doc: General registers, strictly between -2^53 and 2^53; regs[0] is the last syscall's return value.
  tree:
    doc: TREE (type 110, 8 + 24 n bytes), the task tree, parents before children.
    seq:
      - id: nr_tasks
        type: u4
        valid:
          expr: '_ >= 1 and _ <= 1364 and _ * 24 == _io.size - 8'
        doc: Number of entries, 1..1364, agreeing with the record length.
      - id: pad
        type: u4
        valid: 0
        doc: _pad, zero.
      - id: tasks
        type: tree_entry
        repeat: expr
        repeat-expr: nr_tasks
        doc: One entry per task, in the order the tasks follow.
  tree_entry:
    doc: |
      One TREE entry (24 bytes). Rules: entry 0 is the root (vppid 0, nsdepth 0); every other
      vppid names an earlier entry; a child's nsdepth equals its parent's (no NS_INIT) or exceeds
      it by 1 (NS_INIT); only the root may have NS_INIT at depth 0; NS_INIT implies nspid 1;
      at depth 0 nspid equals vpid; without HEAD SUBTREE the root has NS_INIT.
    seq:
      - id: vpid
        type: s4
        doc: Pid in the image's root pid namespace, >= 1, unique.
      - id: vppid
        type: s4
        doc: Parent's vpid; 0 only for entry 0.
      - id: vtgid
        type: s4
        doc: Thread-group id, equal to vpid.
      - id: nspid
        type: s4
        doc: Pid in the task's innermost pid namespace, >= 1, unique within it.
      - id: nsdepth
        type: u4
        doc: Depth of that namespace below the image's root namespace.
      - id: flags
        type: u4
        doc: Bit 0 NS_INIT, the task is the init of its namespace.
    instances:
      is_ns_init:
        value: (flags & 1) != 0
        doc: flags bit 0 NS_INIT.
  cred:
    doc: CRED (type 111, 72 bytes), the task's credentials.
    seq:
      - id: uid
        type: u4
        doc: Real user id.
      - id: suid
        type: u4
        doc: Saved user id.
      - id: euid
        type: u4
        doc: Effective user id.
      - id: fsuid
        type: u4
        doc: File-system user id.
      - id: gid
        type: u4
        doc: Real group id.
      - id: sgid
        type: u4
        doc: Saved group id.
      - id: egid
        type: u4
        doc: Effective group id.
      - id: fsgid
        type: u4
        doc: File-system group id.
      - id: cap_inheritable
        type: u8
        doc: Capability set, bit n = capability n, bits 0..40 only.
      - id: cap_permitted
        type: u8
        doc: Capability set, bits 0..40 only.
      - id: cap_effective
        type: u8
        doc: Capability set, bits 0..40 only, a subset of cap_permitted.
      - id: cap_bset
        type: u8
        doc: Capability bounding set, bits 0..40 only.
      - id: securebits
        type: u4
        valid:
          expr: (_ & ~63) == 0
        doc: Bits 0..5.
      - id: ngroups
        type: u4
        valid:
          max: 8189
        doc: Number of supplementary groups, 0..8189; a GROUPINFO follows when > 0.
  groupinfo:
    doc: GROUPINFO (type 112, 8 + 4 n bytes), supplementary groups.
    seq:
      - id: ngroups
        type: u4
        valid:
          expr: '_ >= 1 and _ <= 8189 and _ * 4 == _io.size - 8'
        doc: Equal to CRED.ngroups and to the record length.
      - id: pad
        type: u4
        valid: 0
        doc: _pad, zero.
      - id: groups
        type: u4
        repeat: expr
        repeat-expr: ngroups
        doc: Group ids, strictly ascending.
  security:
    doc: SECURITY (type 113, 10..1032 bytes), an LSM label of a cred or of a file.
    seq:
      - id: sectype
        type: u4
        enum: sectype
        valid:
          in-enum: true
        doc: 1 cred label (parent vpid), 2 file label (parent objref).
      - id: pad
        type: u4
        valid: 0
        doc: _pad, zero.
      - id: label
        type: strz
        size-eos: true
        encoding: UTF-8
        doc: The label, 2..1024 bytes with its final NUL.
  mm:
    doc: MM (type 201, 96 bytes), the address-space summary; FNAME(exe) follows.
    seq:
      - id: objref
        type: u4
        valid:
          min: 1
        doc: '>= 1, unique among the MM and FILES objrefs of the image.'
      - id: map_count
        type: u4
        valid:
          max: 1024
        doc: Number of VMA records that follow, 0..1024.
      - id: start_code
        type: u8
        doc: Start of the text segment; below 2^53.
      - id: end_code
        type: u8
        doc: End of the text segment.
      - id: start_data
        type: u8
        doc: Start of the data segment.
      - id: end_data
        type: u8
        doc: End of the data segment.
      - id: start_brk
        type: u8
        doc: Start of the heap.
      - id: brk
        type: u8
        doc: Current program break.
      - id: start_stack
        type: u8
        doc: Start of the stack.
      - id: arg_start
        type: u8
        doc: Start of the argument strings.
      - id: arg_end
        type: u8
        doc: End of the argument strings.
      - id: env_start
        type: u8
        doc: Start of the environment strings.
      - id: env_end
        type: u8
        doc: End of the environment strings.
  vma:
    doc: |
      VMA (type 202, 48 bytes), one mapping. Page aligned, vm_start < vm_end <= TASK_SIZE
      (0x7ffffffff000), ascending and not overlapping; a FILE mapping is followed by FNAME.
    seq:
      - id: vma_type
        type: u4
        enum: vma_type
        valid:
          in-enum: true
        doc: '1 ANON, 2 FILE (an FNAME with the backing file follows).'
      - id: pad
        type: u4
        valid: 0
        doc: _pad, zero.
      - id: vm_start
        type: u8
        valid:
          expr: _ % 4096 == 0
        doc: First address, page aligned, not below the previous VMA's end.
      - id: vm_end
        type: u8
        valid:
          expr: _ % 4096 == 0 and _ > vm_start and _ <= 0x7ffffffff000
        doc: End address (exclusive), page aligned, above vm_start, at most TASK_SIZE.
      - id: vm_page_prot
        type: u8
        valid:
          max: 7
        doc: PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4.
      - id: vm_flags
        type: u8
        valid:
          expr: '(_ & ~0x10f) == 0 and (_ & 7) == vm_page_prot'
        doc: VM_READ 0x1, VM_WRITE 0x2, VM_EXEC 0x4, VM_SHARED 0x8, VM_GROWSDOWN 0x100; RWX agree with vm_page_prot.
      - id: vm_pgoff
        type: u8
        valid:
          expr: vma_type == vma_type::file or _ == 0
        doc: Offset in pages into the backing file; 0 for ANON.
    instances:
      prot_read:
        value: (vm_page_prot & 1) != 0
      prot_write:
        value: (vm_page_prot & 2) != 0
      prot_exec:
        value: (vm_page_prot & 4) != 0
      is_shared:
        value: (vm_flags & 8) != 0
      is_growsdown:
        value: (vm_flags & 0x100) != 0
  pgarr:
    doc: PGARR (type 203, 8 bytes), a chunk of pages; the page arrays follow outside the framing.
    seq:
      - id: nr_pages
        type: u8
        valid:
          max: 1024
        doc: 0..1024; 0 closes the current VMA's pages.
  files:
    doc: FILES (type 301, 8 bytes), the fd table.
    seq:
      - id: objref
        type: u4
        valid:
          min: 1
        doc: '>= 1, unique among the MM and FILES objrefs of the image.'
      - id: nfds
        type: u4
        valid:
          max: 1024
        doc: Number of FD_ENT records that follow, 0..1024.
  fd_ent:
    doc: FD_ENT (type 302, 16 bytes), one descriptor.
    seq:
      - id: objref
        type: u4
        valid:
          min: 1
        doc: The open file; its FD_DATA follows at the first appearance of this objref.
      - id: fd
        type: s4
        valid:
          min: 0
          max: 1023
        doc: Descriptor number, strictly ascending within the table.
      - id: close_on_exec
        type: u4
        valid:
          max: 1
        doc: '0 or 1.'
      - id: pad
        type: u4
        valid: 0
        doc: _pad, zero.
  fd_data:
    doc: FD_DATA (type 303, 24 bytes), the open file behind descriptors; FNAME follows.
    seq:
      - id: fd_type
        type: u2
        enum: fd_type
        valid:
          in-enum: true
        doc: '1 FILE, 2 DIR (opened O_RDONLY only).'
      - id: f_mode
        type: u2
        valid:
          min: 1
          max: 3
        doc: FMODE_READ 1 | FMODE_WRITE 2, agreeing with the access mode of f_flags.
      - id: f_flags
        type: u4
        valid:
          expr: '(_ & ~0x643) == 0 and (_ & 3) != 3'
        doc: Access mode 0 O_RDONLY, 1 O_WRONLY, 2 O_RDWR, plus O_CREAT 0x40, O_TRUNC 0x200, O_APPEND 0x400.
      - id: f_pos
        type: u8
        doc: File position; below 2^53.
      - id: f_version
        type: u8
        doc: f_version; below 2^53.
    instances:
      can_read:
        value: (f_mode & 1) != 0
        doc: f_mode bit 0 FMODE_READ.
      can_write:
        value: (f_mode & 2) != 0
        doc: f_mode bit 1 FMODE_WRITE.
      access_mode:
        value: f_flags & 3
        doc: O_RDONLY 0, O_WRONLY 1, O_RDWR 2 (3 is invalid).
      is_creat:
        value: (f_flags & 0x40) != 0
      is_trunc:
        value: (f_flags & 0x200) != 0
      is_append:
        value: (f_flags & 0x400) != 0
  tail:
    doc: TAIL (type 5001, 8 bytes), the end of the image.
    seq:
      - id: magic
        contents: [0x00, 0xef, 0xde, 0xc0, 0x0c, 0x2a, 0x2d, 0x00]
        doc: CHECKPOINT_MAGIC_TAIL 0x002d2a0cc0deef00.
  sign:
    doc: |
      SIGN (type 5002, 8 + k + s bytes). The MAC covers every byte of the image from offset 0 to
      the first byte of `sig`.
    seq:
      - id: alg
        type: u2
        enum: sign_alg
        valid:
          in-enum: true
        doc: '1 HMAC-SHA256.'
      - id: key_id_len
        type: u2
        valid:
          min: 1
          max: 64
        doc: Length of key_id, 1..64.
      - id: sig_len
        type: u2
        valid: 32
        doc: 32 for HMAC-SHA256.
      - id: pad
        type: u2
        valid: 0
        doc: _pad, zero.
      - id: key_id
        type: str
        size: key_id_len
        encoding: UTF-8
        doc: Names the key, e.g. `machine`.
      - id: sig
        size: sig_len
        doc: The MAC.
  error_marker:
    doc: ERROR (type 9999, 0 bytes); a STRING with the message follows, then nothing.
    seq: []
enums:
  record_type:
    1: head
    2: string
    3: fname
    4: lsm_info
    101: task
    103: cpu
    110: tree
    111: cred
    112: groupinfo
    113: security
    201: mm
    202: vma
    203: pgarr
    301: files
    302: fd_ent
    303: fd_data
    5001: tail
    5002: sign
    9999: error
  task_state:
    0: running
    1: sleeping
    4: stopped
    8: frozen
  vma_type:
    1: anon
    2: file
  fd_type:
    1: file
    2: dir
  sectype:
    1: cred
    2: file
  sign_alg:
    1: hmac_sha256
