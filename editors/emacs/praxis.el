;;; praxis.el --- Praxis language server through Eglot  -*- lexical-binding: t; -*-

;; Eglot is built into Emacs 29 and newer (install it from GNU ELPA on Emacs 26.3-28).
;;
;; Load this file from your init file, for example
;;
;;   (load "/path/to/praxis/editors/emacs/praxis.el")
;;
;; then run M-x eglot in a buffer of a project that has a `.praxis/' folder, or turn it on
;; everywhere Praxis applies with
;;
;;   (add-hook 'prog-mode-hook #'praxis-eglot-ensure)
;;
;; Eglot runs one server per buffer: in the modes below Praxis replaces the server Eglot would
;; otherwise pick (pyright, typescript-language-server, ...).  To run Praxis next to another
;; server, use lsp-mode with an add-on client (docs/editors/emacs.md).

;;; Code:

(require 'eglot)

(defgroup praxis nil
  "Praxis team practices in the editor."
  :group 'tools
  :prefix "praxis-")

(defcustom praxis-command '("praxis" "lsp")
  "How to start the Praxis language server: the program and its arguments."
  :type '(repeat string))

(defcustom praxis-initialization-options nil
  "Sent as `initializationOptions', as a plist; nil sends none.
For example (:practices [\"lint/practices\"]) replaces the project's
practice folders (relative to the project root).

Eglot also sends `workspace/didChangeConfiguration' right after
connecting, with `eglot-workspace-configuration' as the settings
\(an empty object when that is nil), and Praxis takes those settings
over these options.  Until Praxis ignores an empty object, give the
same options there too, under :praxis:

  (setq-default eglot-workspace-configuration
                \='(:praxis (:practices [\"lint/practices\"])))"
  :type 'sexp)

(defcustom praxis-major-modes
  '(typescript-mode typescript-ts-mode tsx-ts-mode
    js-mode js-ts-mode js-jsx-mode
    python-mode python-ts-mode
    go-mode go-ts-mode
    rust-mode rust-ts-mode
    java-mode java-ts-mode
    ruby-mode ruby-ts-mode
    c-mode c-ts-mode c++-mode c++-ts-mode)
  "Major modes in which Eglot starts Praxis."
  :type '(repeat symbol))

(defun praxis--contact (&optional _interactive _project)
  "The Eglot contact for Praxis."
  (if praxis-initialization-options
      (append praxis-command (list :initializationOptions praxis-initialization-options))
    praxis-command))

(defun praxis-project-p ()
  "Non-nil when the current file is inside a project with a `.praxis' folder."
  (and buffer-file-name (locate-dominating-file buffer-file-name ".praxis")))

(defun praxis-eglot-ensure ()
  "Start Eglot (with Praxis) in this buffer if its project uses Praxis."
  (when (and (apply #'derived-mode-p praxis-major-modes) (praxis-project-p))
    (eglot-ensure)))

;; First in the list, so it wins over Eglot's built-in entries for these modes.
(add-to-list 'eglot-server-programs (cons praxis-major-modes #'praxis--contact))

(provide 'praxis)
;;; praxis.el ends here
