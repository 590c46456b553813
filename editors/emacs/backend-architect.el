;;; backend-architect.el --- backend-architect language server with eglot  -*- lexical-binding: t; -*-

;; Register the server for Python and JavaScript/TypeScript buffers:
;;   (add-to-list 'load-path "/path/to/backend-architect/editors/emacs")
;;   (require 'backend-architect)
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;; Apply every safe fix when saving (M-x backend-architect-fix-all does it on demand):
;;   (add-hook 'eglot-managed-mode-hook #'backend-architect-fix-on-save-mode)

;;; Code:

(require 'eglot)

(defvar backend-architect-command '("backend-architect" "lsp")
  "Command that starts the backend-architect language server.")

(add-to-list 'eglot-server-programs
             `((python-mode js-mode typescript-mode js-ts-mode typescript-ts-mode tsx-ts-mode)
               . ,(lambda (&rest _) backend-architect-command)))

;;;; Fix all (and fix on save)

(defconst backend-architect-fix-all-kind "source.fixAll.backend-architect"
  "The code action kind that applies every safe backend-architect fix.
Eglot compares kinds exactly, so the generic \"source.fixAll\" finds nothing.")

(defun backend-architect-fix-all ()
  "Apply every safe backend-architect fix in the current buffer.
Does nothing when there is nothing to fix."
  (interactive)
  (condition-case err
      ;; With a kind and a single action, eglot applies it without asking.
      (eglot-code-actions (point-min) (point-max) backend-architect-fix-all-kind t)
    (error
     (unless (string-match-p "No .*code actions" (error-message-string err))
       (signal (car err) (cdr err))))))

(defun backend-architect--fix-before-save ()
  "Run `backend-architect-fix-all' from `before-save-hook'; never block the save."
  (when (eglot-current-server)
    (condition-case err
        (backend-architect-fix-all)
      (error (message "backend-architect: fix on save failed: %s" (error-message-string err))))))

;;;###autoload
(define-minor-mode backend-architect-fix-on-save-mode
  "Apply every safe backend-architect fix before the buffer is saved."
  :lighter nil
  (if backend-architect-fix-on-save-mode
      (add-hook 'before-save-hook #'backend-architect--fix-before-save nil t)
    (remove-hook 'before-save-hook #'backend-architect--fix-before-save t)))

(provide 'backend-architect)
;;; backend-architect.el ends here
