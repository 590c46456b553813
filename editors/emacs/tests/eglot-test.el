;;; eglot-test.el --- batch test: eglot + backend-architect  -*- lexical-binding: t; -*-
;; emacs --batch -l tests/eglot-test.el   (BA_BIN, BA_PROJECT in the environment)

(require 'package)
(package-initialize)
(add-to-list 'load-path (expand-file-name ".." (file-name-directory load-file-name)))
(require 'backend-architect)
(require 'flymake)

(setq backend-architect-command (list (getenv "BA_BIN") "lsp"))
(setq eglot-sync-connect t)

(defun ba-fail (fmt &rest args)
  (princ (concat "FAIL: " (apply #'format fmt args) "\n") #'external-debugging-output)
  (kill-emacs 1))

(defun ba-codes ()
  (sort (mapcar (lambda (d)
                  (let ((msg (flymake-diagnostic-text d)))
                    (if (string-match "\\(SEC[0-9]+\\)" msg) (match-string 1 msg) msg)))
                (flymake-diagnostics))
        #'string<))

(condition-case err
    (let ((file (expand-file-name "app.py" (getenv "BA_PROJECT"))))
      (find-file file)
      (python-mode)
      (eglot-ensure)
      ;; eglot-ensure connects from post-command-hook; connect directly in batch mode.
      (unless (eglot-current-server)
        (apply #'eglot (eglot--guess-contact)))
      (unless (eglot-current-server) (ba-fail "eglot did not connect"))
      (let ((deadline (+ (float-time) 20)))
        (while (and (< (float-time) deadline)
                    (not (equal (ba-codes) '("SEC102" "SEC103" "SEC201"))))
          (accept-process-output nil 0.1)
          (flymake-start)))
      (unless (equal (ba-codes) '("SEC102" "SEC103" "SEC201"))
        (ba-fail "diagnostics: %S" (ba-codes)))
      (princ "PASS\n")
      (eglot-shutdown (eglot-current-server))
      (kill-emacs 0))
  (error (ba-fail "%S" err)))
